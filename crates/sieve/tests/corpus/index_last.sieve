require ["index", "fileinto", "relational", "comparator-i;ascii-numeric"];
if header :index 1 :last :contains "received" "dev.example.net" {
    fileinto "FirstHopDev";
}
if header :index 2 :value "gt" :comparator "i;ascii-numeric" "x-spam-score" "14" {
    fileinto "SecondScoreHigh";
}
