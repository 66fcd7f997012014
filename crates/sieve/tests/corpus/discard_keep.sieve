discard;
if header :contains "to" "me@example.org" {
    keep;
}
