// msgpackr loads this optionally inside try/catch; failing here makes it use its pure-JavaScript path.
throw new Error('msgpackr-extract (native acceleration) is not installed; msgpackr falls back to JavaScript');
