// Placeholder: the encrypted store lands with issue 3.
