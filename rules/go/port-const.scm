; A literal bound to a name that says it holds a port (the TOML's env = "port-name"):
;
;   const Port = 8080        var defaultPort = "3000"       port := ":8080"
;   cfg.HTTPPort = 9090      Config{GRPCPort: 50051}
;
; timeout := 3000 and maxRetries = 5000 yield nothing: their names are not port names.
(const_spec
  name: (identifier) @env
  value: (expression_list
    . [(int_literal) (interpreted_string_literal) (raw_string_literal)] @port .))

(var_spec
  name: (identifier) @env
  value: (expression_list
    . [(int_literal) (interpreted_string_literal) (raw_string_literal)] @port .))

(short_var_declaration
  left: (expression_list . (identifier) @env .)
  right: (expression_list
    . [(int_literal) (interpreted_string_literal) (raw_string_literal)] @port .))

(assignment_statement
  left: (expression_list
    . [(identifier) @env (selector_expression field: (field_identifier) @env)] .)
  right: (expression_list
    . [(int_literal) (interpreted_string_literal) (raw_string_literal)] @port .))

(keyed_element
  key: (literal_element (identifier) @env)
  value: (literal_element [(int_literal) (interpreted_string_literal)] @port))
