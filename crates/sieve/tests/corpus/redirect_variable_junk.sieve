require ["variables"];
if header :matches "subject" "*" {
    redirect "${1}";
}
