using CrossBorder.Cli.Commands;

// The commands are listed in CliApp.Commands.
return await CliApp.InvokeAsync(args);
