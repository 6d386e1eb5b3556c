import ArgumentParser

/// The subcommands, in the order `credstore --help` lists them. Each lives in its own file.
enum CommandRegistry {
    static let all: [ParsableCommand.Type] = [
        InitCommand.self,
        SetCommand.self,
        ListCommand.self,
        GetCommand.self,
        RemoveCommand.self,
        DefaultCommand.self,
        ExportCommand.self,
        ExecCommand.self,
        ServeCommand.self,
        MigrateCommand.self,
        SharedProfilesCommand.self,
        PasswdCommand.self,
        KeySlotCommand.self,
        RekeyCommand.self,
        SessionsCommand.self,
        RotateCommand.self,
        UnlockCommand.self,
        LockCommand.self,
        AgentCommand.self,
    ]
}
