console.log(JSON.stringify(process.execArgv), process.env.NODE_OPTIONS);
