@_exported import SecureStore
@_exported import SharedFileStore
