"""Downloads: CSV in the encodings Japanese Excel opens, every whole-file flavour written at publish time."""
