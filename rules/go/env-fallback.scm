; os.Getenv("PORT") followed by a literal fallback for the same variable:
;
;   port := os.Getenv("PORT")          var port = os.Getenv("PORT")
;   if port == "" { port = "8080" }    port, ok := os.LookupEnv("PORT"); if !ok { port = "8080" }
;
; The if statement may come anywhere after the read in the same block; its condition is
; not checked (== "", !ok, len(port) == 0 all mean "unset").
(_
  (short_var_declaration
    left: (expression_list . (identifier) @_var)
    right: (expression_list
      . (call_expression
          function: (selector_expression
            operand: (identifier) @_os
            field: (field_identifier) @_get)
          arguments: (argument_list . (interpreted_string_literal) @env .)) .))
  (if_statement
    consequence: (block
      (statement_list
        (assignment_statement
          left: (expression_list . (identifier) @_assigned .)
          right: (expression_list
            . [(int_literal) (interpreted_string_literal) (raw_string_literal)] @port .)))))
  (#eq? @_os "os")
  (#any-of? @_get "Getenv" "LookupEnv")
  (#eq? @_var @_assigned))

(_
  (var_declaration
    (var_spec
      name: (identifier) @_var
      value: (expression_list
        . (call_expression
            function: (selector_expression
              operand: (identifier) @_os
              field: (field_identifier) @_get)
            arguments: (argument_list . (interpreted_string_literal) @env .)) .)))
  (if_statement
    consequence: (block
      (statement_list
        (assignment_statement
          left: (expression_list . (identifier) @_assigned .)
          right: (expression_list
            . [(int_literal) (interpreted_string_literal) (raw_string_literal)] @port .)))))
  (#eq? @_os "os")
  (#any-of? @_get "Getenv" "LookupEnv")
  (#eq? @_var @_assigned))

; cmp.Or(os.Getenv("PORT"), "8080") (Go 1.22): the first non-empty value wins.
(call_expression
  function: (selector_expression
    operand: (identifier) @_cmp
    field: (field_identifier) @_or)
  arguments: (argument_list
    . (call_expression
        function: (selector_expression
          operand: (identifier) @_os
          field: (field_identifier) @_get)
        arguments: (argument_list . (interpreted_string_literal) @env .))
    . [(int_literal) (interpreted_string_literal) (raw_string_literal)] @port .)
  (#eq? @_cmp "cmp")
  (#eq? @_or "Or")
  (#eq? @_os "os")
  (#eq? @_get "Getenv"))
