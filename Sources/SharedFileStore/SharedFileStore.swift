// Placeholder: the shared profile files land with issue 2.
