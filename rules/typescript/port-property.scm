; An object property named like a port: vite/astro/svelte `server: { port: 5210 }`,
; playwright `webServer: { port: 3000 }`, Bun.serve({ port: 3000 }),
; server.listen({ port: 3000 }), new WebSocketServer({ port: 8080 }).
; The key regex mirrors is_port_name: the last word of the name is "port"
; (port, apiPort, API_PORT, 'dev-port'); report, support, portal and timeout are not.

; port: 5210, 'port': '5210'
(pair
  key: [(property_identifier) (string)] @_key
  value: [(number) (string)] @port
  (#match? @_key "^[\"']?([pP]ort|PORT|.*[_-]([pP]ort|PORT)|.*[a-z0-9](Port|PORT))[\"']?$"))

; port: Number(process.env.PORT) || 5210, port: options.port ?? 5210
(pair
  key: [(property_identifier) (string)] @_key
  value: (binary_expression operator: ["||" "??"] right: [(number) (string)] @port)
  (#match? @_key "^[\"']?([pP]ort|PORT|.*[_-]([pP]ort|PORT)|.*[a-z0-9](Port|PORT))[\"']?$"))

; port: isCI ? 4173 : 5173 (either branch is a port the program may listen on)
(pair
  key: [(property_identifier) (string)] @_key
  value: (ternary_expression consequence: [(number) (string)] @port)
  (#match? @_key "^[\"']?([pP]ort|PORT|.*[_-]([pP]ort|PORT)|.*[a-z0-9](Port|PORT))[\"']?$"))
(pair
  key: [(property_identifier) (string)] @_key
  value: (ternary_expression alternative: [(number) (string)] @port)
  (#match? @_key "^[\"']?([pP]ort|PORT|.*[_-]([pP]ort|PORT)|.*[a-z0-9](Port|PORT))[\"']?$"))
