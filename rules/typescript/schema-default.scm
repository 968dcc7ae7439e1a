; A config schema field named like a port with a default. The env is the key as written
; (PORT, port, apiPort): schema keys are usually the variable names themselves.

; zod, yup, joi: PORT: z.coerce.number().default(3001)
(pair
  key: [(property_identifier) (string)] @env
  value: (call_expression
    function: (member_expression property: (property_identifier) @_default)
    arguments: (arguments . [(number) (string)] @port))
  (#eq? @_default "default"))

; .default() one call before the end: PORT: z.number().default(3001).describe('listen port')
(pair
  key: [(property_identifier) (string)] @env
  value: (call_expression
    function: (member_expression
      object: (call_expression
        function: (member_expression property: (property_identifier) @_default)
        arguments: (arguments . [(number) (string)] @port))))
  (#eq? @_default "default"))

; .default() two calls before the end: port: z.number().default(3001).optional().describe('')
(pair
  key: [(property_identifier) (string)] @env
  value: (call_expression
    function: (member_expression
      object: (call_expression
        function: (member_expression
          object: (call_expression
            function: (member_expression property: (property_identifier) @_default)
            arguments: (arguments . [(number) (string)] @port))))))
  (#eq? @_default "default"))

; envalid: PORT: port({ default: 3000 }), API_PORT: num({ default: 3002, desc: '...' })
(pair
  key: [(property_identifier) (string)] @env
  value: (call_expression
    arguments: (arguments . (object
      (pair key: (property_identifier) @_default value: [(number) (string)] @port))))
  (#eq? @_default "default"))

; convict: port: { doc: 'listen port', format: 'port', default: 8080, env: 'PORT' }
(pair
  key: [(property_identifier) (string)] @env
  value: (object (pair key: (property_identifier) @_default value: [(number) (string)] @port))
  (#eq? @_default "default"))
