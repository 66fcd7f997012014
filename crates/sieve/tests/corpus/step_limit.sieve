if true { keep; }
if true { keep; }
if true { keep; }
