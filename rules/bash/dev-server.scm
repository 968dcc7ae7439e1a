; Development servers that take their port as a positional argument rather than a flag:
;
;   python3 -m http.server 8000        php -S localhost:8000
(command
  name: (command_name) @_python
  argument: (word) @_m
  .
  argument: (word) @_module
  argument: [(number) (word)] @port
  (#match? @_python "^(.*/)?python[0-9.]*$")
  (#eq? @_m "-m")
  (#eq? @_module "http.server"))

(command
  name: (command_name) @_php
  argument: (word) @_flag
  .
  argument: [(number) (word) (string) (raw_string)] @port
  (#match? @_php "^(.*/)?php[0-9.]*$")
  (#eq? @_flag "-S"))
