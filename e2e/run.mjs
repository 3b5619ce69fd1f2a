#!/usr/bin/env node
// Parcours — parcours de bout en bout dans un vrai navigateur (Chromium headless)
// avec analyse d'accessibilité axe-core (WCAG 2.1 A/AA).
//
// Usage : node run.mjs BASE_URL        (ex. node run.mjs http://127.0.0.1:8080)
// Env   : CHROMIUM_PATH (défaut /usr/bin/chromium)
//
// Sortie : une ligne « e2e: N passed, N failed[, N skipped] » à la fin ;
// code 0 si tout passe, 1 si une étape échoue, 2 si mauvais usage.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

const PASSWORD = 'parcours-demo-2026';
const TIMEOUT_MS = 30_000;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const BLOCKING_IMPACTS = new Set(['serious', 'critical']);

const rawBase = process.argv[2];
if (!rawBase || !/^https?:\/\//.test(rawBase)) {
  console.error('usage: node run.mjs BASE_URL   (ex. http://127.0.0.1:8080)');
  process.exit(2);
}
const BASE = rawBase.replace(/\/+$/, '');
const url = (path) => BASE + path;
const pathOf = (page) => new URL(page.url()).pathname;
// A day `offset` days from today in Paris, as a date field takes it (YYYY-MM-DD).
const parisDay = (offset) =>
  new Date(Date.now() + offset * 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Europe/Paris' });

const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

class StepError extends Error {}
function expect(cond, message) {
  if (!cond) throw new StepError(message);
}

// ---------------------------------------------------------------- helpers

/** Navigue vers `path` et vérifie que la réponse finale n'est pas une erreur HTTP. */
async function visit(page, path, { okStatus = true } = {}) {
  const res = await page.goto(url(path), { waitUntil: 'load' });
  expect(res !== null, `aucune réponse pour ${path}`);
  if (okStatus) {
    expect(res.status() < 400, `GET ${path} → HTTP ${res.status()}`);
  }
  return res;
}

/** Exécute `action` (un clic qui soumet un formulaire) et attend le nouveau document. */
async function submitAndWait(page, action) {
  const navigated = page.waitForEvent('framenavigated', {
    predicate: (f) => f === page.mainFrame(),
  });
  await action();
  await navigated;
  await page.waitForLoadState('load');
}

async function fillLogin(page, email, password) {
  await visit(page, '/connexion');
  await page.locator('input#email').fill(email);
  await page.locator('input#password').fill(password);
  await submitAndWait(page, () => page.locator('main form button[type=submit]').first().click());
}

async function login(page, email) {
  await fillLogin(page, email, PASSWORD);
  expect(pathOf(page) === '/', `après connexion de ${email}, attendu « / », obtenu « ${pathOf(page)} »`);
  await page.locator('h1').first().waitFor({ state: 'visible' });
}

async function logout(page) {
  const button = page.getByRole('button', { name: 'Se déconnecter' });
  expect((await button.count()) > 0, 'bouton « Se déconnecter » introuvable');
  await submitAndWait(page, () => button.first().click());
  expect(pathOf(page) === '/connexion', `après déconnexion, attendu « /connexion », obtenu « ${pathOf(page)} »`);
}

async function expectText(page, text) {
  try {
    await page.getByText(text).first().waitFor({ state: 'visible', timeout: 5_000 });
  } catch {
    throw new StepError(`texte « ${text} » absent de ${pathOf(page)}`);
  }
}

/** Analyse axe-core de la page courante ; échoue sur toute violation serious/critical. */
async function axeScan(page, label = pathOf(page)) {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
      count: v.nodes.length,
    }));
  }, AXE_TAGS);

  const blocking = violations.filter((v) => BLOCKING_IMPACTS.has(v.impact));
  for (const v of violations) {
    const mark = BLOCKING_IMPACTS.has(v.impact) ? '!!' : '  ';
    console.log(`  ${mark} [${v.impact}] ${v.id}: ${v.help} (${v.count} nœud(s))`);
    for (const t of v.targets) console.log(`       → ${t}`);
  }
  if (blocking.length === 0) {
    console.log(`axe: ${label} — ${violations.length} violations (none serious)`);
  } else {
    console.log(`axe: ${label} — ${violations.length} violations (${blocking.length} serious/critical)`);
    throw new StepError(
      `axe: ${blocking.length} violation(s) serious/critical sur ${label} : ` +
        blocking.map((v) => `${v.id} (${v.impact})`).join(', '),
    );
  }
}

// ------------------------------------------------------------------ steps

const steps = [
  [
    'page de connexion accessible',
    async (page) => {
      await visit(page, '/connexion');
      expect(pathOf(page) === '/connexion', `attendu « /connexion », obtenu « ${pathOf(page)} »`);
      for (const sel of ['input#email', 'input#password', 'button[type=submit]']) {
        expect((await page.locator(sel).count()) > 0, `élément ${sel} absent de /connexion`);
      }
      await axeScan(page);
    },
  ],
  [
    'mot de passe erroné refusé',
    async (page) => {
      await fillLogin(page, 'admin@demo.parcours.fr', 'mauvais-mot-de-passe');
      await expectText(page, 'Adresse électronique ou mot de passe incorrect');
      expect(pathOf(page) !== '/', 'un mot de passe erroné a ouvert une session');
    },
  ],
  [
    'connexion par le fournisseur d’identité du département, déconnexion des deux côtés',
    async (page) => {
      const label = process.env.E2E_OIDC_LABEL;
      expect(label, 'E2E_OIDC_LABEL manque : le parcours se lance avec un fournisseur d’identité');
      await visit(page, '/connexion');
      await axeScan(page, '/connexion (avec un fournisseur d’identité)');
      await submitAndWait(page, () => page.getByRole('link', { name: label }).click());
      await expectText(page, "Fournisseur d'identité de test");
      await page.locator('input[name=login]').fill('referent@demo.parcours.fr');
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.waitForURL(url('/'), { timeout: TIMEOUT_MS });
      const account = page.locator('.account').first();
      await account.waitFor({ state: 'visible' });
      expect((await account.innerText()).includes('Référent unique'), 'le fournisseur n’a pas ouvert la session du référent');
      // La déconnexion passe par le fournisseur, qui renvoie à la page de connexion.
      await page.getByRole('button', { name: 'Se déconnecter' }).first().click();
      await page.waitForURL(/\/connexion\?au_revoir=1/, { timeout: TIMEOUT_MS });
      await expectText(page, 'Vous êtes déconnecté');
      await visit(page, '/', { okStatus: false });
      expect(pathOf(page) === '/connexion', 'la session a survécu à la déconnexion');
    },
  ],
  [
    'connexion du référent unique',
    async (page) => {
      await login(page, 'referent@demo.parcours.fr');
      const account = page.locator('.account').first();
      await account.waitFor({ state: 'visible' });
      const text = await account.innerText();
      expect(text.includes('Référent unique'), `.account ne contient pas « Référent unique » : « ${text.trim()} »`);
      await axeScan(page);
    },
  ],
  [
    'lien d’évitement au premier Tab',
    async (page) => {
      await visit(page, '/');
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el) return null;
        const r = el.getBoundingClientRect();
        return {
          isSkip: el.matches('.skip-link'),
          tag: el.tagName.toLowerCase(),
          cls: el.className,
          text: (el.textContent || '').trim(),
          w: r.width,
          h: r.height,
        };
      });
      expect(focused !== null, 'aucun élément focalisé après Tab');
      expect(
        focused.isSkip,
        `premier Tab : attendu .skip-link, obtenu <${focused.tag} class="${focused.cls}"> « ${focused.text} »`,
      );
      expect(focused.text.includes('Aller au contenu'), `texte du lien d’évitement : « ${focused.text} »`);
      expect(focused.w >= 10 && focused.h >= 10, `lien d’évitement focalisé mais non visible (${focused.w}×${focused.h})`);
    },
  ],
  [
    'déconnexion',
    async (page) => {
      await logout(page);
      await expectText(page, 'Vous êtes déconnecté');
      await visit(page, '/', { okStatus: false });
      expect(pathOf(page) === '/connexion', `« / » sans session : attendu redirection vers /connexion, obtenu « ${pathOf(page)} »`);
    },
  ],
  [
    'administration des comptes',
    async (page) => {
      await login(page, 'admin@demo.parcours.fr');
      await visit(page, '/admin/comptes');
      await axeScan(page);
      await visit(page, '/admin/comptes/nouveau');
      await axeScan(page);
      const submit = page.locator('main form button[type=submit]').first();
      expect((await submit.count()) > 0, 'bouton de soumission absent de main form');
      // On teste la validation côté serveur : neutraliser la validation HTML5 (required…).
      await page.evaluate(() => document.querySelectorAll('main form').forEach((f) => (f.noValidate = true)));
      await submitAndWait(page, () => submit.click());
      try {
        await page.locator('.error-summary').first().waitFor({ state: 'visible', timeout: 5_000 });
      } catch {
        throw new StepError(`formulaire vide soumis : .error-summary absent (page ${pathOf(page)})`);
      }
      await axeScan(page, `${pathOf(page)} (erreurs)`);
      await visit(page, '/mon-compte/mot-de-passe');
      await axeScan(page);
      await submitAndWait(page, () => page.locator('main form button[type=submit]').first().click());
      await page.locator('.error-summary').first().waitFor({ state: 'visible', timeout: 5_000 });
      await axeScan(page, '/mon-compte/mot-de-passe (erreurs)');
      await logout(page);
    },
  ],
  [
    'journal DPO',
    async (page) => {
      await login(page, 'dpo@demo.parcours.fr');
      await visit(page, '/dpo/journal');
      await axeScan(page);
      const table = page.locator('table.data').first();
      expect((await table.count()) > 0, 'table.data absente de /dpo/journal');
      const rows = await table.locator('tbody tr').count();
      expect(rows >= 1, 'table.data de /dpo/journal sans ligne (les connexions devraient y figurer)');
      await logout(page);
    },
  ],
  [
    'dossiers : recherche sans accents, fiche, portefeuille, échéances',
    async (page) => {
      await login(page, 'referent@demo.parcours.fr');
      await visit(page, '/personnes');
      await axeScan(page);
      await page.locator('input#nom').fill('lefevre mag');
      await submitAndWait(page, () => page.locator('main form button[type=submit]').first().click());
      const hit = page.locator('table.data a', { hasText: 'LEFÈVRE Magali' });
      expect((await hit.count()) === 1, 'la recherche « lefevre mag » ne trouve pas Magali Lefèvre');
      await submitAndWait(page, () => hit.first().click());
      await expectText(page, 'Échéances');
      await expectText(page, 'Référent unique : Sophie Lemaire');
      await expectText(page, 'En bref');
      const nir = await page.locator('#identite + dl dd').nth(2).innerText();
      expect(nir.includes('•'), `le NIR doit être masqué par défaut, obtenu « ${nir} »`);
      await axeScan(page, '/personnes/{id}');
      await visit(page, '/portefeuille');
      expect((await page.locator('table.data tbody tr').count()) >= 2, 'portefeuille vide');
      await axeScan(page);
      await visit(page, '/echeances');
      await axeScan(page);
      await logout(page);
    },
  ],
  [
    'rendez-vous : convocation, journal de suivi, agenda',
    async (page) => {
      await login(page, 'referent@demo.parcours.fr');
      await visit(page, '/personnes');
      await page.locator('input#nom').fill('lefevre mag');
      await submitAndWait(page, () => page.locator('main form button[type=submit]').first().click());
      await submitAndWait(page, () => page.locator('table.data a', { hasText: 'LEFÈVRE Magali' }).first().click());
      const personPath = pathOf(page);
      // A date ten days ahead, as the date field writes it.
      const day = new Date(Date.now() + 10 * 24 * 3600 * 1000).toISOString().slice(0, 10);
      await page.locator('#rdv summary').click();
      await page.locator('#kind-rdv').selectOption('orientation');
      await page.locator('#on_date-rdv').fill(day);
      await page.locator('#starts_at-rdv').fill('09:30');
      await page.locator('#place-rdv').fill('Maison des solidarités, 2 rue de la Gare, Caen');
      await page.locator('#note-rdv').fill("Pièce d'identité");
      await submitAndWait(page, () => page.locator('#rdv button[type=submit]').click());
      await expectText(page, 'Rendez-vous planifié');
      const letter = page.locator('section[aria-labelledby=rendez-vous] a', { hasText: 'Convocation (PDF)' }).first();
      expect((await letter.count()) === 1, 'lien « Convocation (PDF) » absent');
      const href = await letter.getAttribute('href');
      const pdf = await page.request.get(url(href));
      expect(pdf.status() === 200, `convocation : HTTP ${pdf.status()}`);
      expect((pdf.headers()['content-type'] || '').includes('application/pdf'), 'la convocation n’est pas un PDF');
      await axeScan(page, '/personnes/{id} (rendez-vous)');
      // The person cancels: the outcome is recorded, the row says so.
      const row = page.locator('section[aria-labelledby=rendez-vous] tbody tr', { hasText: 'Entretien d\'orientation' }).first();
      await row.locator('select').selectOption('annule_personne');
      await submitAndWait(page, () => row.locator('button[type=submit]').click());
      await expectText(page, 'Annulé par la personne');
      // The follow-up log: a refused entry keeps its words, then a saved one shows in the timeline.
      await page.locator('#journal summary').click();
      await page.locator('#kind-journal').selectOption('appel');
      await page.locator('#text-journal').fill('');
      await submitAndWait(page, () => page.locator('#journal button[type=submit]').click());
      await page.locator('.error-summary').first().waitFor({ state: 'visible', timeout: 5_000 });
      await page.locator('#text-journal').fill('A prévenu de son empêchement, rappel la semaine prochaine.');
      await submitAndWait(page, () => page.locator('#journal button[type=submit]').click());
      await expectText(page, 'A prévenu de son empêchement');
      expect(pathOf(page) === personPath, `après le journal, attendu ${personPath}, obtenu ${pathOf(page)}`);
      await visit(page, '/agenda');
      await expectText(page, 'Agenda des rendez-vous');
      await axeScan(page);
      await logout(page);
    },
  ],
  [
    'convocation en nombre depuis la liste à contractualiser, notifications',
    async (page) => {
      await login(page, 'referent@demo.parcours.fr');
      await visit(page, '/portefeuille?etape=contract');
      const boxes = page.locator('form#convoquer input[name=personne]');
      expect((await boxes.count()) >= 1, 'aucune personne à convoquer dans la liste des personnes à contractualiser');
      await boxes.first().check();
      await submitAndWait(page, () => page.locator('form#convoquer button[type=submit]').click());
      await expectText(page, 'Convoquer en nombre');
      const slots = await page.locator('#slots-convocations').inputValue();
      expect(slots.trim().split('\n').length === 1, `un créneau libre proposé par personne, obtenu « ${slots} »`);
      await axeScan(page, '/rendez-vous/convocations');
      await page.locator('#kind-convocations').selectOption('signature');
      await page.locator('#place-convocations').fill('Maison des solidarités, 2 rue de la Gare, Caen');
      await submitAndWait(page, () => page.locator('form[action="/rendez-vous/convocations"] button[type=submit]').click());
      await expectText(page, '1 rendez-vous planifié');
      const lot = page.locator('#lot a');
      const pdf = await page.request.get(url(await lot.getAttribute('href')));
      expect(pdf.status() === 200, `convocations du lot : HTTP ${pdf.status()}`);
      expect((pdf.headers()['content-type'] || '').includes('application/pdf'), 'les convocations du lot ne sont pas un PDF');
      await axeScan(page, '/agenda (lot)');
      await visit(page, '/notifications');
      await expectText(page, 'Recevoir par courriel');
      await axeScan(page);
      await logout(page);
    },
  ],
  [
    'diagnostic et contrat : saisie par le référent',
    async (page) => {
      await login(page, 'referent@demo.parcours.fr');
      await visit(page, '/personnes?nom=fabrice+marie');
      await submitAndWait(page, () => page.locator('table.data a').first().click());
      const person = pathOf(page);
      await visit(page, `${person}/diagnostic`);
      await expectText(page, 'Révision 1');
      await expectText(page, 'Atouts');
      await axeScan(page, '/personnes/{id}/diagnostic');
      await page.locator('textarea#needs').fill('Un vélo pour rejoindre l’atelier');
      await submitAndWait(page, () => page.getByRole('button', { name: 'Enregistrer la révision' }).click());
      await expectText(page, 'Révision 2 du diagnostic enregistrée');
      await visit(page, `${person}/diagnostic/comparer?de=1&a=2`);
      await expectText(page, 'Un vélo pour rejoindre');
      await visit(page, `${person}/contrats/nouveau`);
      await axeScan(page, '/personnes/{id}/contrats/nouveau');
      // Objectives on demand: one to start with, one more when asked, what was typed kept.
      await page.locator('input#o0-title').fill('Reprendre confiance');
      await submitAndWait(page, () => page.getByRole('button', { name: 'Ajouter un objectif' }).click());
      expect((await page.locator('fieldset#objectif-2').count()) === 1, 'un deuxième objectif doit apparaître à la demande');
      expect((await page.locator('input#o0-title').inputValue()) === 'Reprendre confiance', 'objectif saisi perdu');
      await page.locator('input#o0-title').fill('');
      await submitAndWait(page, () => page.getByRole('button', { name: 'Enregistrer le brouillon' }).click());
      const summary = page.locator('.error-summary');
      expect((await summary.count()) === 1, 'un contrat sans objectif doit être refusé avec un résumé des erreurs');
      await logout(page);
    },
  ],
  [
    'cadre : validation des orientations et des contrats',
    async (page) => {
      await login(page, 'cadre@demo.parcours.fr');
      await visit(page, '/orientations');
      await axeScan(page);
      const boxes = page.locator('input[name=ids]');
      const before = await boxes.count();
      expect(before >= 1, 'aucune orientation à valider dans la démo');
      await boxes.first().check();
      await submitAndWait(page, () => page.getByRole('button', { name: 'Valider les orientations cochées' }).click());
      await expectText(page, '1 orientation validée');
      expect((await page.locator('input[name=ids]').count()) === before - 1, 'la file d’attente n’a pas diminué');
      await visit(page, '/contrats');
      await axeScan(page);
      await submitAndWait(page, () => page.locator('table.data a').first().click());
      await axeScan(page, '/contrats/{id}');
      await submitAndWait(page, () => page.getByRole('button', { name: 'Valider' }).click());
      await expectText(page, 'Contrat : En cours');
      await logout(page);
    },
  ],
  [
    'catalogue public : recherche et fiche d’action sans connexion',
    async (page) => {
      await visit(page, '/catalogue');
      await axeScan(page);
      await page.locator('input#q').fill('jardin');
      await submitAndWait(page, () => page.getByRole('button', { name: 'Rechercher' }).click());
      const results = page.locator('ul.cards a');
      expect((await results.count()) >= 1, 'aucune action « jardin » dans le catalogue de démonstration');
      await submitAndWait(page, () => results.first().click());
      await expectText(page, 'Comment s’inscrire ?'.replace('’', "'"));
      await expectText(page, 'Pour qui');
      await axeScan(page, '/catalogue/{id}');
    },
  ],
  [
    'chargé de mission : action, financement, programme',
    async (page) => {
      await login(page, 'mission@demo.parcours.fr');
      await visit(page, '/actions/nouvelle');
      await axeScan(page);
      await submitAndWait(page, () => page.getByRole('button', { name: 'Créer l’action (brouillon)'.replace('’', "'") }).click());
      expect((await page.locator('.error-summary').count()) === 1, 'une action vide doit être refusée avec un résumé des erreurs');
      await visit(page, '/actions?statut=published');
      await axeScan(page, '/actions');
      await submitAndWait(page, () => page.locator('table.data a').first().click());
      await axeScan(page, '/actions/{id}');
      await page.locator('summary', { hasText: 'Ajouter un financement' }).click();
      await page.locator('input#amount-financement').fill('12 500');
      await page.locator('input#contract_number-financement').fill('2026-DI-099');
      await submitAndWait(page, () => page.getByRole('button', { name: 'Ajouter le financement' }).click());
      await expectText(page, 'Financement ajouté');
      await visit(page, '/programme');
      await axeScan(page);
      await visit(page, '/structures');
      await axeScan(page);
      // Pilotage : les délais, puis la liste derrière un chiffre, au clavier.
      await visit(page, '/pilotage?from=2020-01-01');
      await expectText(page, 'Entrée → première orientation');
      await axeScan(page);
      await submitAndWait(page, () => page.locator('#stock ~ div table.data tbody a').first().click());
      await expectText(page, 'Retour au pilotage');
      await axeScan(page, '/pilotage/stock');
      await visit(page, '/pilotage?from=2020-01-01');
      await submitAndWait(page, () => page.locator('a[href^="/pilotage/personnes"]').first().click());
      await expectText(page, 'Retour au pilotage');
      await axeScan(page, '/pilotage/personnes');
      await visit(page, '/pilotage?from=2026-06-01&to=2026-01-01');
      await expectText(page, 'La fin de la période précède son début.');
      await axeScan(page, '/pilotage (erreurs)');
      // Le retour annuel OARSA : ses six tableaux, un chiffre et ses personnes, les réglages.
      await visit(page, '/pilotage');
      await submitAndWait(page, () => page.getByRole('link', { name: /Retour annuel OARSA/ }).click());
      await expectText(page, 'Tableau 6 : Réorientations de l');
      await axeScan(page, '/pilotage/oarsa');
      await submitAndWait(page, () => page.locator('a[href^="/pilotage/oarsa/personnes"]').first().click());
      await expectText(page, 'Retour au pilotage');
      await axeScan(page, '/pilotage/oarsa/personnes');
      await visit(page, '/pilotage/oarsa/reglages');
      await axeScan(page, '/pilotage/oarsa/reglages');
      await page.locator('select[name=organisation_category]').first().selectOption('caf');
      await submitAndWait(page, () => page.getByRole('button', { name: 'Enregistrer' }).click());
      await expectText(page, 'Les catégories du retour OARSA sont enregistrées.');
      await visit(page, '/pilotage/oarsa?annee=vingt');
      await expectText(page, 'en quatre chiffres');
      await axeScan(page, '/pilotage/oarsa (erreurs)');
      // Le rapport FSE+ d'une opération : une création refusée, ses indicateurs, ses données à compléter.
      await visit(page, '/programme/fse');
      await axeScan(page, '/programme/fse');
      await page.fill('#number', '2026 XX');
      await submitAndWait(page, () => page.getByRole('button', { name: "Créer l'opération" }).click());
      await expectText(page, "Le numéro d'opération s'écrit en chiffres et lettres");
      await axeScan(page, '/programme/fse (erreurs)');
      await visit(page, '/programme/fse/202501234');
      await expectText(page, 'EECO01 — Nombre total de participants');
      await axeScan(page, '/programme/fse/202501234');
      await visit(page, '/programme/fse/202501234/qualite');
      await axeScan(page, '/programme/fse/202501234/qualite');
      await logout(page);
    },
  ],
  [
    'référent : positionnement sur une action, avec l’éligibilité expliquée',
    async (page) => {
      await login(page, 'referent@demo.parcours.fr');
      await visit(page, '/portefeuille');
      await submitAndWait(page, () => page.getByRole('link', { name: /Fabrice/ }).first().click());
      await submitAndWait(page, () => page.getByRole('link', { name: 'Positionner sur une action' }).click());
      await axeScan(page, '/personnes/{id}/positionner');
      await page.locator('input#q').fill('bons vivants');
      await submitAndWait(page, () => page.getByRole('button', { name: 'Rechercher' }).click());
      // One compact row per action; the form opens from the row.
      const card = page.locator('tr[id^=action-]', { has: page.locator('summary', { hasText: 'Positionner' }) }).first();
      await card.locator('summary', { hasText: 'Positionner' }).click();
      const override = card.locator('input[name=override_reason]');
      if ((await override.count()) > 0) await override.fill('Projet travaillé avec Plaine Emploi');
      // A paper file caught up: positioned a week ago.
      await card.locator('input[name=positioned_on]').fill(parisDay(-7));
      await submitAndWait(page, () => card.getByRole('button', { name: /Envoyer le positionnement/ }).click());
      await expectText(page, 'Positionnement envoyé à Plaine Emploi');
      await logout(page);
    },
  ],
  [
    'structure : réponse au positionnement, présences du groupe',
    async (page) => {
      await login(page, 'structure@demo.parcours.fr');
      await visit(page, '/positionnements');
      await axeScan(page);
      // A refusal without its reason: a red summary linked to the field, the panel open.
      const first = page.locator('article.card', { has: page.locator('summary', { hasText: 'Refuser' }) }).first();
      await first.locator('summary', { hasText: 'Refuser' }).click();
      await first.locator('input[name=refusal_comment]').fill('Injoignable');
      await submitAndWait(page, () => first.getByRole('button', { name: 'Refuser le positionnement' }).click());
      expect((await page.locator('.error-summary[role=alert] a').count()) === 1, 'un refus sans motif doit être signalé avec un lien vers le champ');
      expect((await page.locator('input[name=refusal_comment]').first().inputValue()) === 'Injoignable', 'commentaire perdu');
      await axeScan(page, '/positionnements (erreurs)');
      // Entered the day of the positioning; attendance only once a session has started.
      await page.locator('input[name=entered_on]').first().fill(parisDay(-7));
      await submitAndWait(page, () => page.getByRole('button', { name: /Accepter/ }).first().click());
      const done = page.locator('.notice');
      expect((await done.count()) === 1, 'aucun message après l’acceptation');
      const text = await done.first().innerText();
      expect(/Entrée enregistrée|liste d'attente/.test(text), `message inattendu : ${text}`);
      await visit(page, '/actions?q=bons+vivants');
      await submitAndWait(page, () => page.locator('table.data a').first().click());
      await page.getByText('Ajouter une séance').click();
      await page.locator('input#on-seance').fill(parisDay(-3));
      await page.locator('input#starts_at-seance').fill('14:00');
      await page.locator('input#ends_at-seance').fill('16:00');
      await submitAndWait(page, () => page.getByRole('button', { name: 'Ajouter la séance' }).click());
      const held = new Date(Date.now() - 3 * 86_400_000).toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' });
      await submitAndWait(page, () => page.getByRole('link', { name: `Présences du ${held}` }).first().click());
      await axeScan(page, '/seances/{id}/presences');
      // Nothing is ticked by default: saving without a mark names who is missing.
      if ((await page.locator('fieldset.inline').count()) > 0) {
        await submitAndWait(page, () => page.getByRole('button', { name: 'Enregistrer les présences' }).click());
        expect((await page.locator('.error-summary').count()) === 1, 'une feuille sans présence cochée doit être refusée avec un résumé des erreurs');
        await axeScan(page, '/seances/{id}/presences (erreurs)');
      }
      await submitAndWait(page, () => page.getByRole('button', { name: 'Tous présents' }).click());
      await expectText(page, 'Présences enregistrées');
      await visit(page, '/positionnements?onglet=participants');
      await expectText(page, 'Enregistrer la sortie');
      await axeScan(page, '/positionnements?onglet=participants');
      await logout(page);
    },
  ],
  [
    'opérateur : informations pratiques de ses actions',
    async (page) => {
      await login(page, 'structure@demo.parcours.fr');
      // The dashboard's table fits a 1366 px laptop: no sideways scrolling.
      await page.setViewportSize({ width: 1366, height: 768 });
      await visit(page, '/tableau-de-bord');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow <= 0, `le tableau de bord déborde de ${overflow} px à 1366 px`);
      const wraps = await page.evaluate(() => [...document.querySelectorAll('.table-wrap')].map((w) => w.scrollWidth - w.clientWidth));
      expect(wraps.every((w) => w <= 0), `un tableau du tableau de bord défile de côté à 1366 px (${wraps})`);
      await axeScan(page, '/tableau-de-bord');
      await visit(page, '/actions');
      await submitAndWait(page, () => page.locator('table.data a').first().click());
      await submitAndWait(page, () => page.getByRole('link', { name: 'Modifier les informations pratiques' }).click());
      await axeScan(page, '/actions/{id}/pratique');
      await page.locator('textarea#how_to_apply').fill('Appelez-nous le matin, du lundi au vendredi.');
      await submitAndWait(page, () => page.getByRole('button', { name: 'Enregistrer' }).click());
      await expectText(page, 'Informations pratiques enregistrées');
      await logout(page);
    },
  ],
  [
    'structure : démarche directe d’une personne venue d’elle-même',
    async (page) => {
      await login(page, 'structure@demo.parcours.fr');
      await visit(page, '/positionnements');
      await submitAndWait(page, () => page.getByRole('link', { name: 'Enregistrer une démarche directe' }).click());
      await axeScan(page, '/positionnements/demarche-directe');
      await page.locator('select#action_id').selectOption({ label: 'Les bons vivants : atelier manuel et jardinage' });
      await page.locator('input#last_name').fill('Durand');
      await page.locator('input#first_names').fill('Inès');
      await page.locator('input#birth_date').fill('1988-06-15');
      await page.locator('select#sex').selectOption('F');
      await page.locator('input#phone').fill('06 11 22 33 44');
      // Before recording: the eligibility rule by rule, from what was typed (kept).
      await page.locator('select#declared_rsa').selectOption('oui');
      await submitAndWait(page, () => page.getByRole('button', { name: "Vérifier l'éligibilité" }).click());
      await expectText(page, 'Est bénéficiaire du RSA.');
      expect((await page.locator('input#last_name').inputValue()) === 'Durand', 'saisie perdue à la vérification');
      await axeScan(page, '/positionnements/demarche-directe (éligibilité)');
      // No file matches: the form asks for the RSA dossier and keeps what was typed.
      await submitAndWait(page, () => page.getByRole('button', { name: 'Enregistrer la demande' }).click());
      await expectText(page, 'Aucun dossier ne correspond');
      expect((await page.locator('input#last_name').inputValue()) === 'Durand', 'saisie perdue');
      await axeScan(page, '/positionnements/demarche-directe (erreurs)');
      await page.locator('input#rsa_number').fill('14123456Z');
      await page.locator('select#fund').selectOption('caf');
      await page.locator('select#rsa_state').selectOption('2');
      await page.locator('input#override_reason').fill('Venue sur les conseils d’une voisine');
      await submitAndWait(page, () => page.getByRole('button', { name: 'Enregistrer la demande' }).click());
      await expectText(page, 'Demande enregistrée (un dossier a été créé');
      await expectText(page, 'en attente de la validation du Département');
      await logout(page);
    },
  ],
  [
    'chargé de mission : validation de la démarche directe ; cadre : listes d’attente',
    async (page) => {
      await login(page, 'mission@demo.parcours.fr');
      await visit(page, '/demarches-directes');
      await axeScan(page);
      const card = page.locator('section.card', { hasText: 'Inès Durand' });
      expect((await card.count()) === 1, 'la demande d’Inès Durand n’est pas à valider');
      await submitAndWait(page, () => card.getByRole('button', { name: /Valider/ }).click());
      await expectText(page, 'Demande validée');
      await logout(page);
      await login(page, 'cadre@demo.parcours.fr');
      await visit(page, '/listes-attente');
      await axeScan(page);
      await logout(page);
    },
  ],
  [
    'chargé de mission : import d’un flux CAF, barre de progression puis compte rendu',
    async (page) => {
      await login(page, 'mission@demo.parcours.fr');
      await visit(page, '/imports');
      await axeScan(page);
      await page.locator('input#caf-fichier').setInputFiles({
        name: 'flux-novembre.xml',
        mimeType: 'application/xml',
        buffer: Buffer.from(cafFile(), 'utf-8'),
      });
      await submitAndWait(page, () => page.getByRole('button', { name: 'Importer le fichier CAF/MSA' }).click());
      // The progress page's script follows the import until the report replaces it.
      await page.waitForURL((u) => /^\/imports\/[0-9a-f-]{36}$/.test(u.pathname), { timeout: 20_000 });
      await expectText(page, 'Import de flux-novembre.xml');
      await expectText(page, 'Dossiers rejetés');
      await expectText(page, 'NIR');
      await axeScan(page);
      await page.getByRole('link', { name: /Nouvel/i }).first().click();
      await page.waitForLoadState('load');
      await expectText(page, 'Données CAF');
      await expectText(page, 'Entrée dans les droits et devoirs');
      await logout(page);
    },
  ],
  [
    'téléphone : la navigation se replie derrière « Menu »',
    async (page) => {
      await page.setViewportSize({ width: 375, height: 740 });
      await login(page, 'referent@demo.parcours.fr');
      const menu = page.getByRole('button', { name: 'Menu' });
      const caseload = page.locator('nav.main-nav').getByRole('link', { name: 'Mon portefeuille' });
      expect(await menu.isVisible(), 'le bouton « Menu » doit paraître sur un téléphone');
      expect(!(await caseload.isVisible()), 'la navigation doit être repliée sur un téléphone');
      await menu.click();
      expect((await menu.getAttribute('aria-expanded')) === 'true', 'le bouton dit que le menu est ouvert');
      expect(await caseload.isVisible(), 'la navigation s’ouvre au clic');
      await axeScan(page, '/ (téléphone, menu ouvert)');
      await submitAndWait(page, () => caseload.click());
      await axeScan(page, '/portefeuille (téléphone)');
      await page.setViewportSize({ width: 1366, height: 768 });
      await logout(page);
    },
  ],
];

/** A monthly flux bénéficiaires as the CAF writes it (its schema's nesting):
 * a new entrant, and a dossier whose NIR has a wrong key. */
function cafFile() {
  const nir = (body) => body + String(97n - (BigInt(body) % 97n)).padStart(2, '0');
  const person = (last, first, nirValue) => `
    <Personne>
      <Identification><NOM>${last}</NOM><NOMNAI>${last}</NOMNAI><PRENOM>${first}</PRENOM><NOMCOMNAI>CAEN</NOMCOMNAI>
        <DTNAI>1990-03-01</DTNAI><NIR>${nirValue}</NIR><SEXE>2</SEXE></Identification>
      <DossierCAF><TOPRESPDOS>1</TOPRESPDOS><DDRATDOS>2026-10-01</DDRATDOS></DossierCAF>
      <Prestations><NATPREST>PFA</NATPREST><ROLEPERS>DEM</ROLEPERS><TOPCHAPERS>0</TOPCHAPERS></Prestations>
      <Prestations><NATPREST>RSA</NATPREST><ROLEPERS>DEM</ROLEPERS><TOPCHAPERS>0</TOPCHAPERS></Prestations>
      <MontantCalculDroitRSAPersonne><TOPPERSDRODEVORSA>1</TOPPERSDRODEVORSA><TOPPERSENTDRODEVORSA>1</TOPPERSENTDRODEVORSA></MontantCalculDroitRSAPersonne>
    </Personne>`;
  const dossier = (n, last, first, nirValue) => `
  <InfosFoyerRSA>
    <IdentificationRSA>
      <Organisme><FONORG>CAF</FONORG><NUMORG>141</NUMORG><MATRICULE>777000${n}00000000</MATRICULE></Organisme>
      <Partenaire><TYPEPARTE>CG</TYPEPARTE><IDEPARTE>014</IDEPARTE></Partenaire>
      <DemandeRSA><DTDEMRSA>2026-10-01</DTDEMRSA><NUMDEMRSA>9900000000${n}</NUMDEMRSA></DemandeRSA>
    </IdentificationRSA>${person(last, first, nirValue)}
    <DonneesAdministratives>
      <SituationFamille><SITFAM>CEL</SITFAM><DDSITFAM>2020-01-01</DDSITFAM></SituationFamille>
      <Adresse>
        <TroncCommunAdresse><RGADR>01</RGADR><PAYS>FRA</PAYS><TYPEADR>D</TYPEADR><ETATADR>CO</ETATADR></TroncCommunAdresse>
        <AdresseDetailleeFrance><COMPLIDEADR /><COMPLADR /><NUMVOIE>${n}</NUMVOIE><LIBTYPEVOIE>RUE</LIBTYPEVOIE>
          <NOMVOIE>DES TILLEULS</NOMVOIE><LIEUDIST /><NUMCOM>14118</NUMCOM><CODEPOS>14000</CODEPOS><NOMCOM>CAEN</NOMCOM></AdresseDetailleeFrance>
      </Adresse>
    </DonneesAdministratives>
    <PrestationRSA>
      <SituationDossierRSA><EtatDossierRSA><ETATDOSRSA>2</ETATDOSRSA></EtatDossierRSA></SituationDossierRSA>
      <DetailDroitRSA><TroncCommunDroitRSA><TOPSANSDOMFIXE>0</TOPSANSDOMFIXE><ORIDEMRSA>DEM</ORIDEMRSA></TroncCommunDroitRSA></DetailDroitRSA>
    </PrestationRSA>
  </InfosFoyerRSA>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<Racine>
  <IdentificationFlux><APPLIEME>CRI</APPLIEME><NUMVERSIONAPPLIEME>6200</NUMVERSIONAPPLIEME><TYPEFLUX>M</TYPEFLUX><NATFLUX>D</NATFLUX>
    <DTCREAFLUX>2026-11-02</DTCREAFLUX><HEUCREAFLUX>01:12:45.0000</HEUCREAFLUX><DTREF>2026-10-31</DTREF></IdentificationFlux>${
    dossier(1, 'NOUVEL', 'ZOÉ', nir('2900399123001'))}${
    dossier(2, 'FAUX', 'NIR', '290039912300200')}
  <TransmissionFlux><NBTOTDOSRSATRANSM>00000002</NBTOTDOSRSATRANSM><NBTOTDOSRSATRANSMANO>00000000</NBTOTDOSRSATRANSMANO></TransmissionFlux>
</Racine>
`;
}

// ------------------------------------------------------------------- main

async function main() {
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    console.error(`e2e: Chromium introuvable à ${executablePath} (définir CHROMIUM_PATH ou apt-get install chromium)`);
    console.log(`e2e: 0 passed, 1 failed`);
    return 1;
  }

  let browser;
  let passed = 0;
  let failed = 0;
  try {
    browser = await chromium.launch({
      executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    // bypassCSP : l'application envoie « script-src 'self' » ; sans cela l'injection
    // d'axe-core par <script> en ligne serait bloquée.
    const context = await browser.newContext({ bypassCSP: true, locale: 'fr-FR' });
    context.setDefaultTimeout(TIMEOUT_MS);
    context.setDefaultNavigationTimeout(TIMEOUT_MS);
    const page = await context.newPage();
    page.on('pageerror', (err) => console.log(`  (erreur JS dans la page ${page.url()} : ${err.message})`));

    for (const [i, [name, fn]] of steps.entries()) {
      const label = `étape ${i + 1}/${steps.length} « ${name} »`;
      const t0 = Date.now();
      try {
        await fn(page);
        passed += 1;
        console.log(`ok   ${label} (${Date.now() - t0} ms)`);
      } catch (err) {
        failed += 1;
        const msg = (err && err.message) || String(err);
        console.error(`FAIL ${label} (page : ${page.url()})\n     ${msg}`);
        if (/ERR_CONNECTION_REFUSED|ECONNREFUSED|ERR_NAME_NOT_RESOLVED|ERR_ADDRESS_UNREACHABLE/.test(msg)) {
          console.error(`     → aucun serveur ne répond à ${BASE} ; lancer l'application d'abord.`);
        }
        break; // les étapes suivantes dépendent de l'état de session : on s'arrête.
      }
    }
  } catch (err) {
    failed += 1;
    console.error(`FAIL lancement du navigateur : ${(err && err.message) || err}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
  }

  const skipped = steps.length - passed - failed;
  console.log(`e2e: ${passed} passed, ${failed} failed` + (skipped > 0 ? `, ${skipped} skipped` : ''));
  return failed === 0 && passed === steps.length ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error('e2e: erreur inattendue', err);
    console.log(`e2e: 0 passed, 1 failed`);
    process.exit(1);
  },
);
