// On a phone, the main navigation folds behind a « Menu » button that says
// whether it is open (aria-expanded). Without this script the navigation
// simply stays unfolded: nothing depends on it.
const nav = document.querySelector('nav.main-nav');
const button = nav && nav.querySelector('.nav-toggle');
if (button) {
  nav.classList.add('foldable');
  button.addEventListener('click', () => {
    const open = nav.classList.toggle('open');
    button.setAttribute('aria-expanded', String(open));
  });
}
