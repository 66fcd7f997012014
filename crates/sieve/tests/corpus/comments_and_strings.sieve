# hash comment
require /* bracket
 comment */ ["reject"];
if header :contains "subject" ["nothing", "Release"] {
    reject text: # the reason
Not here.
..dotted
.
;
}
