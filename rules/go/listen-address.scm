; A wildcard listen address (":8080", "0.0.0.0:8080", "[::]:8080") kept in a name that
; says it is one, before it reaches ListenAndServe through a variable:
;
;   addr := ":8080"     const listenAddr = "0.0.0.0:9090"     srv.Addr = ":8080"
;
; Only wildcard addresses: redisAddr = "redis:6379" is where a client connects.
(const_spec
  name: (identifier) @_name
  value: (expression_list . (interpreted_string_literal) @port .)
  (#match? @_name "(?i)(addr|address|listen|bind)$")
  (#match? @port "^\"(0\\.0\\.0\\.0|\\[::\\])?:[0-9]+\"$"))

(var_spec
  name: (identifier) @_name
  value: (expression_list . (interpreted_string_literal) @port .)
  (#match? @_name "(?i)(addr|address|listen|bind)$")
  (#match? @port "^\"(0\\.0\\.0\\.0|\\[::\\])?:[0-9]+\"$"))

(short_var_declaration
  left: (expression_list . (identifier) @_name .)
  right: (expression_list . (interpreted_string_literal) @port .)
  (#match? @_name "(?i)(addr|address|listen|bind)$")
  (#match? @port "^\"(0\\.0\\.0\\.0|\\[::\\])?:[0-9]+\"$"))

(assignment_statement
  left: (expression_list
    . [(identifier) @_name (selector_expression field: (field_identifier) @_name)] .)
  right: (expression_list . (interpreted_string_literal) @port .)
  (#match? @_name "(?i)(addr|address|listen|bind)$")
  (#match? @port "^\"(0\\.0\\.0\\.0|\\[::\\])?:[0-9]+\"$"))
