"""Downloads: CSV in the encodings Japanese Excel opens, files built once per version, zips."""
