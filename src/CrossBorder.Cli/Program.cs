using CrossBorder.Cli.Commands;

// Table of contents: every command the operator tool knows. Add one line per new command.
ICliCommand[] commands =
[
    new UpCommand(),
    new KeysGenerateCommand(),
    new AuditVerifyCommand(),
    new BenchDeliveryCommand(),
    new BenchWriteCommand(),
    new OutboxRedriveCommand(),
    new CrossBorder.Cli.Evidence.EvidenceExportCommand(),
    new CrossBorder.Cli.Evidence.EvidenceVerifyCommand(),
];

return await new CommandDispatcher(commands).RunAsync(args);
