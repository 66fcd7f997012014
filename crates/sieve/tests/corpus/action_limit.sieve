require "imap4flags";
addflag "a";
addflag "b";
addflag "c";
