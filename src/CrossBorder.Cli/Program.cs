using CrossBorder.Cli.Commands;
using CrossBorder.Cli.Users;

// Table of contents: every command the operator tool knows. Add one line per new command.
ICliCommand[] commands =
[
    new UpCommand(),
    new KeysGenerateCommand(),
    new AuditVerifyCommand(),
    new BenchDeliveryCommand(),
    new BenchWriteCommand(),
    new OutboxRedriveCommand(),
    new UsersAddCommand(),
    new UsersDisableCommand(),
    new UsersResetCommand(),
];

return await new CommandDispatcher(commands).RunAsync(args);
