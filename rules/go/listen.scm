; Calls that listen on a literal address, and server structs that carry one.
;
;   http.ListenAndServe(":8080", h)   srv.ListenAndServeTLS(":8443", cert, key)
;   app.Listen(":3000") (fiber)       r.Run(":8080") (gin)   e.Start(":1323") (echo)
;   net.Listen("tcp", ":9000")        net.ListenPacket("udp", ":9000")
;   &http.Server{Addr: ":8080"}
;
; The protocol of net.Listen/ListenPacket comes from the network argument: the Go
; extractor reads "udp", "udp4" and "udp6" from the call.

(call_expression
  function: (selector_expression field: (field_identifier) @_fn)
  arguments: (argument_list . (interpreted_string_literal) @port)
  (#any-of? @_fn "ListenAndServe" "ListenAndServeTLS" "Listen" "ListenTLS" "RunTLS" "StartTLS")
  (#match? @port "^\"[^\"]*:[0-9]+\"$"))

; gin's Run and echo's Start take the address as their only argument
(call_expression
  function: (selector_expression field: (field_identifier) @_fn)
  arguments: (argument_list . (interpreted_string_literal) @port .)
  (#any-of? @_fn "Run" "Start")
  (#match? @port "^\"[^\"]*:[0-9]+\"$"))

(call_expression
  function: (selector_expression field: (field_identifier) @_fn)
  arguments: (argument_list
    . (interpreted_string_literal) @_network
    . (interpreted_string_literal) @port .)
  (#any-of? @_fn "Listen" "ListenPacket")
  (#match? @_network "^\"(tcp|tcp4|tcp6|udp|udp4|udp6)\"$"))

; http.Server{Addr: "localhost:8080"} and any *Server struct
(composite_literal
  type: [
    (qualified_type name: (type_identifier) @_type)
    (type_identifier) @_type
  ]
  body: (literal_value
    (keyed_element
      key: (literal_element (identifier) @_key)
      value: (literal_element (interpreted_string_literal) @port)))
  (#match? @_type "Server$")
  (#any-of? @_key "Addr" "Address" "ListenAddr" "ListenAddress" "BindAddr" "BindAddress")
  (#match? @port "^\"[^\"]*:[0-9]+\"$"))

; any other struct: only a wildcard listen address (Addr: "redis:6379" is a client's)
(composite_literal
  type: [
    (qualified_type name: (type_identifier) @_type)
    (type_identifier) @_type
  ]
  body: (literal_value
    (keyed_element
      key: (literal_element (identifier) @_key)
      value: (literal_element (interpreted_string_literal) @port)))
  (#not-match? @_type "Server$")
  (#any-of? @_key "Addr" "Address" "ListenAddr" "ListenAddress" "BindAddr" "BindAddress")
  (#match? @port "^\"(0\\.0\\.0\\.0|\\[::\\])?:[0-9]+\"$"))
