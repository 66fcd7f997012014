require "fileinto";
if address :is "from" "alice@example.com" {
    if header :contains "subject" "lunch" {
        fileinto "Lunch";
    } else {
        fileinto "Alice";
    }
} elsif anyof (header :contains "subject" "release", exists "list-id") {
    if allof (not exists "x-nothing", header :is "x-priority" "3") {
        fileinto "Lists";
    }
} elsif header :matches "subject" "*WON*" {
    discard;
} else {
    keep;
}
