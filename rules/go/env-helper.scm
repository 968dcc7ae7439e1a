; Any call of exactly two arguments whose first is a variable name and whose second is a
; literal: the house env helpers and config readers.
;
;   getEnv("PORT", "3050")   envutil.GetInt("PORT", 3030)   config.GetString("API_PORT", "8080")
;   viper.SetDefault("port", 8080)
;
; The TOML's env = "port-name" keeps only names that say they hold a port, so
; getEnv("TIMEOUT", 3000) yields nothing. Flag definitions take three or more arguments
; (name, value, usage) and are read by flag.scm instead.
(call_expression
  arguments: (argument_list
    . (interpreted_string_literal) @env
    . [(int_literal) (interpreted_string_literal) (raw_string_literal)] @port .)
  (#match? @env "^\"[A-Za-z_][A-Za-z0-9_.-]*\"$"))
