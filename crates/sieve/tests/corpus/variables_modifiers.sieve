require ["variables", "fileinto"];
set :upperfirst "a" "hello";
set :upper :lowerfirst "b" "world";
set :length "n" "${a}${b}";
set :quotewildcard "q" "a*b?";
if string :is "${a} ${b} ${n} ${q}" "Hello wORLD 10 a\\*b\\?" {
    fileinto "ok";
}
if string :is "${unknown}" "" {
    fileinto "empty";
}
