redirect "not an address";
redirect "a@";
