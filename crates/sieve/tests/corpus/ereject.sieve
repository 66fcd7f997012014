require "ereject";
if size :over 900 {
    ereject "Too big for me.";
}
