"""`amx studio --web`: the studio served to web browsers, one studio process per tab."""
