; An environment variable with a literal fallback: the program listens on the literal
; unless the variable is set. The env object is anything whose text ends in `env`:
; process.env, Bun.env, import.meta.env, Deno.env, SvelteKit/t3 `env`, Hono `c.env`.

; process.env.PORT || 3001, process.env.PORT ?? '3001', process.env['PORT'] ?? 3000,
; Deno.env.get('PORT') ?? '8000', +process.env.PORT || 3000, Number(process.env.PORT) || 5210,
; and a chain: process.env.API_PORT ?? process.env.PORT ?? 3000 (the last variable wins).
; parseInt(process.env.PORT || '3061', 10) and Number(process.env.PORT ?? 3015) match inside.
(binary_expression
  left: [
    (member_expression object: (_) @_env_object property: (property_identifier) @env)
    (subscript_expression object: (_) @_env_object index: (string) @env)
    (call_expression
      function: (member_expression object: (_) @_env_object property: (property_identifier) @_get)
      arguments: (arguments . (string) @env))
    (unary_expression
      argument: [
        (member_expression object: (_) @_env_object property: (property_identifier) @env)
        (subscript_expression object: (_) @_env_object index: (string) @env)])
    (call_expression
      arguments: (arguments . [
        (member_expression object: (_) @_env_object property: (property_identifier) @env)
        (subscript_expression object: (_) @_env_object index: (string) @env)]))
    (binary_expression
      operator: ["||" "??"]
      right: [
        (member_expression object: (_) @_env_object property: (property_identifier) @env)
        (subscript_expression object: (_) @_env_object index: (string) @env)])
  ]
  operator: ["||" "??"]
  right: [(number) (string)] @port
  (#match? @_env_object "(^|\\.)env$")
  (#eq? @_get "get"))

; process.env.PORT ? Number(process.env.PORT) : 3000
(ternary_expression
  condition: [
    (member_expression object: (_) @_env_object property: (property_identifier) @env)
    (subscript_expression object: (_) @_env_object index: (string) @env)]
  alternative: [(number) (string)] @port
  (#match? @_env_object "(^|\\.)env$"))
