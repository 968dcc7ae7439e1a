; Flag definitions whose default is a listen port. The default is the program's code
; default (a flag only overrides it when someone passes it), so the role is default and
; the fact carries no flag tag and no env.
;
;   flag.Int("port", 8080, "listen port")       flag.IntVar(&port, "port", 8080, "...")
;   pflag.IntP("port", "p", 8080, "...")        cmd.Flags().IntVarP(&port, "port", "p", 8080, "...")
;   flag.String("addr", ":8080", "...")         flag.StringVar(&addr, "listen", "0.0.0.0:9090", "...")
;
; The value is the argument before the usage string; the name is the string before the
; value, or before the shorthand of the ...P variants.

; a flag named like a port: port, http-port, grpc_port, metricsPort
(call_expression
  function: (selector_expression field: (field_identifier) @_fn)
  arguments: (argument_list
    (interpreted_string_literal) @_name
    . (interpreted_string_literal)? @_short
    . [(int_literal) (interpreted_string_literal)] @port
    . (_) .)
  (#match? @_fn "^(Int|Int32|Int64|Uint|Uint16|Uint32|Uint64|String)(Var)?P?$")
  (#match? @_name "^\"((.*[-_.])?(port|Port|PORT)|.*[a-z0-9]Port)\"$"))

; any flag whose default is a wildcard listen address: ":8080", "0.0.0.0:8080", "[::]:8080"
(call_expression
  function: (selector_expression field: (field_identifier) @_fn)
  arguments: (argument_list
    (interpreted_string_literal)
    . (interpreted_string_literal)? @_short
    . (interpreted_string_literal) @port
    . (_) .)
  (#match? @_fn "^String(Var)?P?$")
  (#match? @port "^\"(0\\.0\\.0\\.0|\\[::\\])?:[0-9]+\"$"))

; urfave/cli: &cli.IntFlag{Name: "port", Value: 8080}
(literal_value
  (keyed_element
    key: (literal_element (identifier) @_name_key)
    value: (literal_element (interpreted_string_literal) @_name))
  (keyed_element
    key: (literal_element (identifier) @_value_key)
    value: (literal_element [(int_literal) (interpreted_string_literal)] @port))
  (#eq? @_name_key "Name")
  (#eq? @_value_key "Value")
  (#match? @_name "^\"((.*[-_.])?(port|Port|PORT)|.*[a-z0-9]Port)\"$"))
