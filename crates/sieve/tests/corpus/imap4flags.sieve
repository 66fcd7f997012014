require ["fileinto", "imap4flags"];
addflag "\\Seen";
if header :contains "x-spam-flag" "yes" {
    addflag ["Junk", "\\Seen $Spam"];
    fileinto :flags "\\Flagged" "Junk";
    stop;
}
if hasflag :is "\\seen" {
    removeflag "\\Seen";
    addflag "Checked";
}
