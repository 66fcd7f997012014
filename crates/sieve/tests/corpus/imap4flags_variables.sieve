require ["imap4flags", "variables", "relational", "comparator-i;ascii-numeric"];
setflag "mine" "a b";
addflag "mine" ["c", "A"];
if hasflag "mine" :count "eq" :comparator "i;ascii-numeric" "3" {
    keep :flags "${mine}";
}
