; A URL whose port is a variable with a literal fallback: the program connects to the
; fallback unless the variable is set. @target is the URL text before the port
; (`http://localhost:`); the extractor keeps only its host.

; `http://localhost:${env.X_PORT || '3002'}/health`, `ws://mana-sync:${process.env.SYNC_PORT ?? 3050}`
(template_string
  (string_fragment) @target
  .
  (template_substitution
    (binary_expression
      left: [
        (member_expression property: (property_identifier) @env)
        (subscript_expression index: (string) @env)
        (call_expression arguments: (arguments . (string) @env))
        (identifier) @env]
      operator: ["||" "??"]
      right: [(number) (string)] @port))
  (#match? @target "[A-Za-z][A-Za-z0-9+.-]*://([^/@ ]*@)?(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9_.~%-]+):$"))

; 'http://localhost:' + (process.env.PORT || 3000)
(binary_expression
  left: (string (string_fragment) @target)
  operator: "+"
  right: (parenthesized_expression
    (binary_expression
      left: [
        (member_expression property: (property_identifier) @env)
        (subscript_expression index: (string) @env)
        (call_expression arguments: (arguments . (string) @env))
        (identifier) @env]
      operator: ["||" "??"]
      right: [(number) (string)] @port))
  (#match? @target "[A-Za-z][A-Za-z0-9+.-]*://([^/@ ]*@)?(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9_.~%-]+):$"))
