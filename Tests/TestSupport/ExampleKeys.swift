/// The AWS documentation's example keys: the only credentials tests use, so a leak check can look for them.
package enum ExampleKeys {
    /// The example access key id.
    package static let accessKeyID = "AKIAIOSFODNN7EXAMPLE"
    /// The example secret access key.
    package static let secretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    /// A second example access key id, for tests that need two key pairs.
    package static let otherAccessKeyID = "AKIAI44QH8DHBEXAMPLE"
    /// A second example secret access key.
    package static let otherSecretAccessKey = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
}
