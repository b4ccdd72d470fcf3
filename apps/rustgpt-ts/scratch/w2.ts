export const cliFlag: string = "ts-ok";
