"""Publishing: one pipeline from a package folder to an immutable, current release.

`pipeline` builds and validates a release in a staging folder and makes it current by a
rename; `releases` reads what is published (the server opens nothing else); `diff`
compares two releases by primary key; `registry` is the server's live view, which picks a
newly published release up without a restart.
"""
