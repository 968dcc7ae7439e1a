; A helper that reads a variable by name and takes a default: the first argument names
; the port, the second is the default. Covers house helpers and config services:
; env('PORT', '3064'), getEnv('PORT', 3001), getEnvNumber('API_PORT', 3002),
; configService.get('port', 3030), config.get<number>('PORT', 3030), app.set('port', 3000).
; Event and logging calls (emit, on, log, ...) pass names and values, not defaults; a
; name must read like a variable or a config path (PORT, server.port), so HTTP headers
; such as headers.set('X-Forwarded-Port', '443') are not helpers.
(call_expression
  function: [
    (identifier) @_helper
    (member_expression property: (property_identifier) @_helper)]
  arguments: (arguments . (string) @env . [(number) (string)] @port)
  (#match? @env "^.[A-Za-z_][A-Za-z0-9_.]*.$")
  (#not-match? @_helper "^(emit|on|once|off|addListener|log|info|warn|error|debug|trace)$"))

; env-var and similar builders: env.get('PORT').default('3000').asPortNumber()
(call_expression
  function: (member_expression
    object: (call_expression arguments: (arguments . (string) @env))
    property: (property_identifier) @_default)
  arguments: (arguments . [(number) (string)] @port)
  (#match? @env "^.[A-Za-z_][A-Za-z0-9_.]*.$")
  (#eq? @_default "default"))
