require ["date", "variables", "fileinto"];
if currentdate :matches "iso8601" "*" { set "iso" "${1}"; }
if currentdate :matches "std11" "*" { set "std" "${1}"; }
if currentdate :matches "julian" "*" { set "mjd" "${1}"; }
if currentdate :matches "time" "*" { set "time" "${1}"; }
fileinto "${iso}|${std}|${mjd}|${time}";
