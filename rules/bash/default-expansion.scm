; A parameter expansion with a default, wherever it stands: the variable names the port.
;
;   PORT=${PORT:-3020}      : "${PORT:=3000}"      uvicorn app --port "${PORT:-8000}"
;   export PORT="${VLLM_PORT:-8100}"   (env is VLLM_PORT: that variable decides the port)
;
; ${VAR-3000} and ${VAR=3000} (without the colon) default only when VAR is unset; they
; are defaults all the same.
(expansion
  (variable_name) @env
  operator: _ @_operator
  [(word) (number) (string) (raw_string)] @port
  (#any-of? @_operator ":-" ":=" "-" "="))
