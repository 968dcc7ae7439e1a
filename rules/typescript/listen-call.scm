; A server told to listen on a literal: app.listen(3000), server.listen(3000, '0.0.0.0', cb),
; http.createServer(handler).listen(8080). app.listen(PORT) names no literal: nothing.
(call_expression
  function: (member_expression property: (property_identifier) @_listen)
  arguments: (arguments . [(number) (string)] @port)
  (#eq? @_listen "listen"))
