require "vacation";
vacation :days 60 :addresses ["dev@lists.example.net", "me+offers@example.org"] :handle "trip" :mime text:
Content-Type: text/plain

Back soon.
.
;
