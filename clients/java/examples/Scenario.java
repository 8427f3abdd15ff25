import dev.varco.client.Model;
import dev.varco.client.VarcoClient;
import dev.varco.client.VarcoProblemException;

/**
 * The integration scenario against a running Varco (make dev): sign-in as demo-operatore,
 * C030 by codice fiscale, C020 by idANPR, the errors an application handles, the same
 * Idempotency-Key twice, refresh and sign-out. Usage: java Scenario http://127.0.0.1:8080
 * It prints each step and exits 1 at the first that does not behave.
 */
public final class Scenario {
    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:8080";
        VarcoClient c = VarcoClient.builder(url).workstation("PC-ANAG-07").build();

        check("status", c.status().status == 200);
        c.signIn("demo-operatore", "demo");

        Model.QueryResponse r = c.query("C030",
                new Model.QueryRequest("H501", Model.Criteri.byCodiceFiscale("STTSGT90A01H501J"), "PROT-2026-124"));
        check("C030 by codice fiscale", r.soggetti.size() == 1 && "AF41450AS".equals(r.soggetti.get(0).identificativi.idANPR));
        // ANPR warns every search not made by idANPR: EN148, type W, in anomalie.
        check("C030 carries the EN148 warning", r.anomalie.stream().anyMatch(a -> "EN148".equals(a.codiceErroreAnomalia) && "W".equals(a.tipoErroreAnomalia)));

        Model.QueryRequest c020 = new Model.QueryRequest("H501", Model.Criteri.byIdANPR("AF41450AS"), "PROT-2026-123");
        r = c.query("C020", c020, "fascicolo-42-java", null);
        Model.Soggetto s = r.soggetti.get(0);
        check("C020 by idANPR", "STTSGT90A01H501J".equals(s.generalita.codiceFiscale.codFiscale)
                && s.residenza != null && !s.residenza.isEmpty());
        Model.QueryResponse again = c.query("C020", c020, "fascicolo-42-java", null);
        check("same Idempotency-Key, same answer", again.requestId.equals(r.requestId)
                && again.idOperazioneANPR.equals(r.idOperazioneANPR));
        check("outcome by request id", "ok".equals(c.request(r.requestId).outcome));

        // A verification: is SETTIMO SOGGETTO alive? ANPR answers S or N in infoSoggettoEnte.
        Model.QueryRequest c007 = new Model.QueryRequest("H501", Model.Criteri.byIdANPR("AF41450AS"), "PROT-2026-129");
        c007.verifica = new Model.Verifica();
        c007.verifica.generalita = new Model.Generalita();
        c007.verifica.generalita.cognome = "SETTIMO";
        c007.verifica.generalita.nome = "SOGGETTO";
        Model.QueryResponse v = c.query("C007", c007);
        check("C007 verification answers S", "S".equals(v.soggetti.get(0).infoSoggettoEnte.get(0).valore));

        expect("404 subject_not_found", 404, "subject_not_found", true, () -> c.query("C021",
                new Model.QueryRequest("H501", Model.Criteri.byIdANPR("OR69233LN"), "PROT-2026-125")));
        Model.QueryRequest c008 = new Model.QueryRequest("H501", Model.Criteri.byIdANPR("AF41450AS"), "PROT-2026-126");
        c008.verifica = new Model.Verifica();
        c008.verifica.residenza = new Model.Residenza();
        c008.verifica.residenza.tipoIndirizzo = "1";
        expect("403 for a verification outside the profile", 403, "forbidden", true, () -> c.query("C008", c008));
        expect("400 invalid_codice_fiscale", 400, "invalid_codice_fiscale", false, () -> c.query("C020",
                new Model.QueryRequest("H501", Model.Criteri.byCodiceFiscale("STTSGT90A01H501K"), "PROT-2026-127")));

        // A batch: a bad row refuses it whole, with its position; fixed, it runs to the end.
        Model.BatchRequest b = new Model.BatchRequest("C020", "H501", "ELEZIONI-2027");
        b.soggetti.add(Model.BatchEntry.byIdANPR("AF41450AS", "a"));
        b.soggetti.add(Model.BatchEntry.byCodiceFiscale("STTSGT90A01H501K", "b"));
        b.soggetti.add(Model.BatchEntry.byIdANPR("OR69233LN", "c"));
        try {
            c.submitBatch(b, null);
            check("batch with a bad row refused", false);
        } catch (VarcoProblemException e) {
            check("batch with a bad row refused", e.status() == 400 && e.code().equals("invalid_batch") && e.lines().equals(java.util.List.of(2)));
        }
        b.soggetti.get(1).codiceFiscale = "STTSGT90A01H501J";
        Model.BatchAccepted acc = c.submitBatch(b, "elezioni-java-1");
        Model.BatchStatus st = c.batch(acc.batchId);
        for (int i = 0; i < 600 && "running".equals(st.status); i++) {
            Thread.sleep(100);
            st = c.batch(acc.batchId);
        }
        check("batch completed", "completed".equals(st.status) && st.ok == 2 && st.notFound == 1);
        StringBuilder order = new StringBuilder();
        c.batchResults(acc.batchId, res -> order.append(res.reference).append(':').append(res.outcome).append(' '));
        check("batch results in input order", order.toString().equals("a:ok b:ok c:not_found "));

        c.refresh();
        check("query after refresh", c.query("C030",
                new Model.QueryRequest("H501", Model.Criteri.byCodiceFiscale("STTSGT90A01H501J"), "PROT-2026-128")).soggetti.size() == 1);
        c.signOut();
        try {
            c.refresh();
            check("refresh after sign-out fails", false);
        } catch (VarcoClient.NotSignedInException e) {
            check("refresh after sign-out fails", true);
        }
        System.out.println("scenario ok");
    }

    interface Call { Object run() throws Exception; }

    static void expect(String step, int status, String code, boolean audited, Call call) throws Exception {
        try {
            call.run();
            check(step, false);
        } catch (VarcoProblemException e) {
            check(step + " (" + e.getMessage() + ")", e.status() == status && e.code().equals(code) && (e.requestId() != null) == audited);
        }
    }

    static void check(String step, boolean ok) {
        System.out.println((ok ? "ok   " : "FAIL ") + step);
        if (!ok) System.exit(1);
    }
}
