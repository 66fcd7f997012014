require "body";
if body :raw :contains "JVBERi0" {
    discard;
}
