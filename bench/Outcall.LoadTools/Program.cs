using Outcall.LoadTools;

// Usage (all traffic stays on 127.0.0.1; every loop is bounded in count and time):
//   churn --proxy 127.0.0.1:P|direct --workers N --seconds T [--max-connections M]
//   idle  --proxy 127.0.0.1:P --tunnels N --pid PID [--seconds T]
//   https --proxy 127.0.0.1:P|direct --target ADDR:PORT --ca PEM --mode keepalive|new --connections C --seconds T [--path /small]
//   https-idle --proxy 127.0.0.1:P --target ADDR:PORT --ca PEM --tunnels N --pid PID [--seconds T] [--path /small]
//   rules --count N --out DIR
//   sse   --proxy 127.0.0.1:P --admin 127.0.0.1:A [--subscribers 5] [--connections 20] [--seconds 5] [--rounds 3] [--target URL]
//   warmup --proxy 127.0.0.1:P [--seconds 3]
//   ttfb  --proxy 127.0.0.1:P|direct --target 127.0.0.1:TLSPORT [--requests 1000] [--seconds 10]
//   soak  --proxy 127.0.0.1:P --pid PID --metrics URL --log FILE --out PREFIX --rate R --minutes M|--seconds S --commit C --command TEXT --note TEXT
// Results are printed as one line of key=value pairs for bench/run.sh to read.
try
{
    var options = Options.Parse(args.Skip(1));
    return args.FirstOrDefault() switch
    {
        "churn" => await TunnelChurn.RunAsync(options),
        "idle" => await IdleTunnels.RunAsync(options),
        "https" => await InterceptedRequests.RunAsync(options),
        "https-idle" => await InterceptedTunnels.RunAsync(options),
        "rules" => RuleSetWriter.Run(options),
        "sse" => await StalledSubscribers.RunAsync(options),
        "soak" => await Soak.RunAsync(options),
        "ttfb" => await TimeToFirstByte.RunAsync(options),
        "warmup" => await Warmup.RunAsync(options),
        _ => Usage(),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"loadtools: {e.Message}");
    return Usage();
}

static int Usage()
{
    Console.Error.WriteLine("usage: loadtools churn|idle|https|https-idle|rules|sse|soak|ttfb|warmup [--key value]...");
    return 2;
}
