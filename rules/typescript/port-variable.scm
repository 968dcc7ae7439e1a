; A variable, field or parameter named like a port, holding a literal. The env is the
; name as written (PORT, DEFAULT_PORT, apiPort): a constant's name is what carries it.

; const PORT = 3000, const DEFAULT_PORT = '8080', let apiPort = 4000
(variable_declarator name: (identifier) @env value: [(number) (string)] @port)

; class fields: private port = 3000, static readonly DEFAULT_PORT = 8080
(public_field_definition name: (property_identifier) @env value: [(number) (string)] @port)

; assignments: this.port = 3000, exports.PORT = 3000, port = 3000
(assignment_expression
  left: [
    (identifier) @env
    (member_expression property: (property_identifier) @env)]
  right: [(number) (string)] @port)

; parameter defaults: function start(port = 3000), (port: number = 3000) => ...
(required_parameter pattern: (identifier) @env value: [(number) (string)] @port)

; destructuring defaults: const { PORT = 3000 } = process.env, ({ port = 3000 } = {}) => ...
(object_assignment_pattern
  left: (shorthand_property_identifier_pattern) @env
  right: [(number) (string)] @port)

; renamed: const { PORT: port = 3000 } = process.env (the source key carries the port)
(pair_pattern
  key: [(property_identifier) (string)] @env
  value: (assignment_pattern right: [(number) (string)] @port))
