using System;
using System.Threading.Tasks;
using Varco.Client;

// The integration scenario against a running Varco (make dev): sign-in as demo-operatore,
// C030 by codice fiscale, C020 by idANPR, the errors an application handles, the same
// Idempotency-Key twice, a batch (refused for a bad row, then run to the end, its results in
// input order), refresh and sign-out. Usage: mono Scenario.exe http://127.0.0.1:8080
// It prints each step and exits 1 at the first that does not behave.
public static class Scenario
{
    public static int Main(string[] args)
    {
        try { Run(args.Length > 0 ? args[0] : "http://127.0.0.1:8080").GetAwaiter().GetResult(); }
        catch (Exception e) { Console.WriteLine("FAIL " + e); return 1; }
        Console.WriteLine("scenario ok");
        return 0;
    }

    static async Task Run(string url)
    {
        using (var c = new VarcoClient(url, workstation: "PC-ANAG-07"))
        {
            Check("status", (await c.StatusAsync()).StatusCode == 200);
            await c.SignInAsync("demo-operatore", "demo");

            var r = await c.QueryAsync("C030", new QueryRequest("H501", Criteri.ByCodiceFiscale("STTSGT90A01H501J"), "PROT-2026-124"));
            Check("C030 by codice fiscale", r.Soggetti.Count == 1 && r.Soggetti[0].Identificativi.IdANPR == "AF41450AS");
            // ANPR warns every search not made by idANPR: EN148, type W, in Anomalie.
            Check("C030 carries the EN148 warning", r.Anomalie != null && r.Anomalie.Exists(a => a.CodiceErroreAnomalia == "EN148" && a.TipoErroreAnomalia == "W"));

            var c020 = new QueryRequest("H501", Criteri.ByIdANPR("AF41450AS"), "PROT-2026-123");
            r = await c.QueryAsync("C020", c020, "fascicolo-42-dotnet");
            var s = r.Soggetti[0];
            Check("C020 by idANPR", s.Generalita.CodiceFiscale.CodFiscale == "STTSGT90A01H501J" && s.Residenza != null && s.Residenza.Count > 0);
            var again = await c.QueryAsync("C020", c020, "fascicolo-42-dotnet");
            Check("same Idempotency-Key, same answer", again.RequestId == r.RequestId && again.IdOperazioneANPR == r.IdOperazioneANPR);
            Check("outcome by request id", (await c.RequestAsync(r.RequestId)).Outcome == "ok");

            // A verification: is SETTIMO SOGGETTO alive? ANPR answers S or N in InfoSoggettoEnte.
            var c007 = new QueryRequest("H501", Criteri.ByIdANPR("AF41450AS"), "PROT-2026-129")
            {
                Verifica = new Verifica { Generalita = new Generalita { Cognome = "SETTIMO", Nome = "SOGGETTO" } },
            };
            var v = await c.QueryAsync("C007", c007);
            Check("C007 verification answers S", v.Soggetti[0].InfoSoggettoEnte[0].Valore == "S");

            await Expect("404 subject_not_found", 404, "subject_not_found", true,
                () => c.QueryAsync("C021", new QueryRequest("H501", Criteri.ByIdANPR("OR69233LN"), "PROT-2026-125")));
            var c008 = new QueryRequest("H501", Criteri.ByIdANPR("AF41450AS"), "PROT-2026-126")
            {
                Verifica = new Verifica { Residenza = new Residenza { TipoIndirizzo = "1" } },
            };
            await Expect("403 for a verification outside the profile", 403, "forbidden", true, () => c.QueryAsync("C008", c008));
            await Expect("400 invalid_codice_fiscale", 400, "invalid_codice_fiscale", false,
                () => c.QueryAsync("C020", new QueryRequest("H501", Criteri.ByCodiceFiscale("STTSGT90A01H501K"), "PROT-2026-127")));

            // A batch: a bad row refuses it whole, with its position; fixed, it runs to the end.
            var b = new BatchRequest("C020", "H501", "ELEZIONI-2027");
            b.Soggetti.Add(BatchEntry.ByIdANPR("AF41450AS", "a"));
            b.Soggetti.Add(BatchEntry.ByCodiceFiscale("STTSGT90A01H501K", "b"));
            b.Soggetti.Add(BatchEntry.ByIdANPR("OR69233LN", "c"));
            try { await c.SubmitBatchAsync(b); Check("batch with a bad row refused", false); }
            catch (VarcoProblemException e)
            {
                Check("batch with a bad row refused", e.Status == 400 && e.Code == "invalid_batch" && e.Lines.Count == 1 && e.Lines[0] == 2);
            }
            b.Soggetti[1].CodiceFiscale = "STTSGT90A01H501J";
            var acc = await c.SubmitBatchAsync(b, "elezioni-dotnet-1");
            var st = await c.BatchAsync(acc.BatchId);
            for (int i = 0; i < 600 && st.Status == "running"; i++)
            {
                await Task.Delay(100);
                st = await c.BatchAsync(acc.BatchId);
            }
            Check("batch completed", st.Status == "completed" && st.Ok == 2 && st.NotFound == 1);
            var order = new System.Text.StringBuilder();
            await c.BatchResultsAsync(acc.BatchId, res => order.Append(res.Reference).Append(':').Append(res.Outcome).Append(' '));
            Check("batch results in input order", order.ToString() == "a:ok b:ok c:not_found ");
            Check("same Idempotency-Key, same batch", (await c.SubmitBatchAsync(b, "elezioni-dotnet-1")).BatchId == acc.BatchId);

            await c.RefreshAsync();
            Check("query after refresh", (await c.QueryAsync("C030",
                new QueryRequest("H501", Criteri.ByCodiceFiscale("STTSGT90A01H501J"), "PROT-2026-128"))).Soggetti.Count == 1);
            await c.SignOutAsync();
            try { await c.RefreshAsync(); Check("refresh after sign-out fails", false); }
            catch (NotSignedInException) { Check("refresh after sign-out fails", true); }
        }
    }

    static async Task Expect(string step, int status, string code, bool audited, Func<Task> call)
    {
        try { await call(); Check(step, false); }
        catch (VarcoProblemException e)
        {
            Check(step + " (" + e.Message + ")", e.Status == status && e.Code == code && (e.RequestId != null) == audited);
        }
    }

    static void Check(string step, bool ok)
    {
        Console.WriteLine((ok ? "ok   " : "FAIL ") + step);
        if (!ok) throw new Exception("step failed: " + step);
    }
}
