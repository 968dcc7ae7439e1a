; A client's address as an object: createClient({ host: 'redis', port: 6379 }),
; new Pool({ host: 'postgres', port: 5432 }). The host names where it connects, so the port
; is a reference to that host. Bind addresses (0.0.0.0, ::) and localhost say as much about
; a listener (vite `server: { host: 'localhost', port: 5173 }`) and are left to port-property.

; host before port
(object
  (pair key: (property_identifier) @_host value: (string (string_fragment) @target))
  (pair key: [(property_identifier) (string)] @_key value: [(number) (string)] @port)
  (#match? @_host "^(host|hostname)$")
  (#match? @_key "^[\"']?([pP]ort|PORT)[\"']?$")
  (#not-match? @target "^(0\\.0\\.0\\.0|127\\.0\\.0\\.1|localhost|::|::1|\\[::\\]|\\*)$"))

; port before host
(object
  (pair key: [(property_identifier) (string)] @_key value: [(number) (string)] @port)
  (pair key: (property_identifier) @_host value: (string (string_fragment) @target))
  (#match? @_host "^(host|hostname)$")
  (#match? @_key "^[\"']?([pP]ort|PORT)[\"']?$")
  (#not-match? @target "^(0\\.0\\.0\\.0|127\\.0\\.0\\.1|localhost|::|::1|\\[::\\]|\\*)$"))
