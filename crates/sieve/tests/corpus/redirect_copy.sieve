require "copy";
redirect :copy "archive@example.org";
redirect "boss@example.org";
redirect "Boss@example.org";
redirect :copy "archive@example.org";
