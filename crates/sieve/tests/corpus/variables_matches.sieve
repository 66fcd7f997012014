require ["variables", "fileinto"];
if header :matches "subject" "[*] *" {
    fileinto "Lists/${1}";
    set "rest" "${2}";
}
if address :matches "from" "*@*" {
    set :lower "domain" "${2}";
    fileinto "From/${domain}";
}
