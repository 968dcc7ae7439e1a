; A literal assigned to a port variable, with or without export/local/declare:
;
;   PORT=3025      export API_PORT=3025      local port="8080"      PORT=3025 node server.js
;
; TIMEOUT=3000 yields nothing: the TOML keeps port names only.
(variable_assignment
  name: (variable_name) @env
  value: [(number) (word) (string) (raw_string)] @port)
