; A port variable assigned from another value's default, when that value is not itself
; a port variable (default-expansion.scm, read first, names the inner variable when it is):
;
;   PORT=${1:-3000}      API_PORT="${LISTEN:-8080}"
(variable_assignment
  name: (variable_name) @env
  value: [
    (expansion
      operator: _ @_operator
      [(word) (number) (string) (raw_string)] @port)
    (string
      (expansion
        operator: _ @_operator
        [(word) (number) (string) (raw_string)] @port))
  ]
  (#any-of? @_operator ":-" ":=" "-" "="))
