// Telecom paraphrase lexicon in English and Albanian: each concept lists
// the words and phrases customers use for it, so "invoice", "fatura" and
// "bill" all become the concept `bill` on both sides of the match. Forms are
// written folded (no diacritics); phrases win over single words. A key with
// '+' emits several concepts; the key '-' drops the phrase (it says nothing).

type Forms = [en: string, sq?: string];

export const CONCEPTS: Record<string, Forms> = {
  '-': ['do you offer|you offer|do you provide|you provide|do you have|you have|is it possible|would like to|how many|i would like|can you tell me|let me know|good morning|good afternoon|good evening', 'a ka mundesi|a mund|a keni|ju lutem|ofroni|ofron|ofrojme|ofrohen'],
  bill: ['bill|bills|billing|billed|invoice|invoices|invoiced|statement|statements', 'fature|fatura|faturen|faturat|faturave|fatures|faturim'],
  pay: ['pay|pays|paying|paid|payment|payments|settle|repay', 'paguaj|paguar|pagese|pagesa|pagesen|paguhet|paguani|pagua|paguash|pagesat'],
  // A superlative asks for a price list ("the cheapest plan"); a comparative asks to switch ("a cheaper plan").
  price: ['price|prices|pricing|cost|costs|costing|how much|rate|rates|tariff rate|expensive|charge per|cheapest|lowest price|least expensive|most affordable|lowest cost', 'kushton|kushtojne|kosto|cmim|cmimi|cmimet|cmimin|sa kushton|sa eshte|me e lire|me i lire|me te lira|me te lirat'],
  cheap: ['cheap|cheaper|affordable|budget|inexpensive|low cost', 'lire|lir|ekonomike'],
  fee: ['fee|fees|penalty|penalties|surcharge', 'gjobe|gjoba|tarife|tarifa|tarifen|tarifat'],
  charge: ['charge|charges|charged|debited|deducted|taken from my account', 'ngarkim|ngarkuar|ngarkese|tarifuar|hequr'],
  late: ['late|overdue|missed|behind on|delay|delayed|forgot to pay|after the deadline', 'vonese|vonuar|me vonese|vonova'],
  due: ['due|deadline|due date|by when|until when|payment date|last day to pay|by what date|what date|which date|pay by', 'afat|afati|afatin|deri kur|deri me|data e pageses'],
  plan: ['plan|plans|package|packages|tariff|tariffs|subscription|subscriptions|offer plan|contract plan', 'paketa|pakete|paketen|paketat|paketave|paketash|plan|planin|abonim|abonimi|abonimin'],
  'mobile+plan+planname': ['vala start|vala smart|vala max|smart|max|vala go'],
  'internet+plan+planname': ['fibre 100|fibre 300|fibre 1000|fiber 100|fiber 300|fiber 1000|fibra 100|fibra 300|fibra 1000'],
  'tv+plan+planname': ['tv basic|tv plus|tv premium|premium|basic package|plus package'],
  mobile: ['mobile|cell|cellular|cellphone plan|postpaid|post paid|mobile line', 'celular|celulari|celularin|celularit|mobil|mobile'],
  phone: ['phone|phones|handset|handsets|telephone|mobile phone|cell phone|cellphone|smartphone|smartphones|device|devices', 'telefon|telefoni|telefonin|telefonit|telefona|aparat|pajisje|pajisja'],
  'phone+device': ['iphone|samsung|galaxy|xiaomi|huawei|pixel|oneplus|motorola|nokia|oppo|realme|vivo|honor|sony|alcatel|tecno|infinix|redmi|ipad|tablet|tablets|smartwatch|smartwatches|apple watch|earbuds|earphones|headphones|airpods|accessories|accessory|charger|laptop'],
  data: ['data|gigs|gig|gb|gigabyte|gigabytes|mb|megabytes|mobile data|mobile internet|internet on my phone', 'te dhena|internet celular|giga'],
  internet: ['internet|broadband|fibre|fiber|fibre optic|fiber optic|home internet|web|online connection|connection|line speed|adsl|dsl', 'internet|interneti|internetin|internetit|fiber|fibra|fibre|fibres|fiber optike|lidhje|lidhja|lidhjen|linje interneti'],
  speed: ['speed|speeds|download speed|upload speed|download speeds|mbps|fast|faster|fastest|bandwidth|speedtest|speed test|gbps', 'shpejtesi|shpejtesia|shpejtesine|shpejte|shpejt'],
  slow: ['slow|slower|slowly|sluggish|lag|laggy|lagging|buffering|crawling|way slower|too slow|not fast', 'ngadalte|ngadal|ngadalshem|avash|ngec|ngel'],
  outage: ['outage|outages|offline|no internet|no connection|internet down|is down|went down|gone down|been down|service down|blackout|disruption|interruption|been off|went off|gone off|cut off|no service|lost connection|disconnected|keeps dropping|dropped', 'nderprerje|nderprerja|pa internet|nuk kam internet|ska internet|skam internet|nuk ka internet|ra interneti|iku interneti'],
  fault: ['not working|no longer working|stopped working|not work|broken|faulty|fault|faults|malfunction|malfunctioning|dead|not responding|wont turn on|failure|failing', 'nuk punon|nuk me punon|nuk funksionon|prishur|prish|defekt|defekti|defekte|nuk ndizet'],
  repair: ['repair|repairs|repaired|fix|fixed|fixing|mend|restore service|sort it out|come and fix', 'riparim|riparoj|ripar|riparimi|rregulloj|rregullo|rregullim|ndreq'],
  technician: ['technician|technicians|engineer|engineers|installer|installers|tech guy|repairman|someone to come|send someone', 'teknik|tekniku|teknikun|teknike'],
  wifi: ['wifi|wi fi|wireless|wlan|router|routers|modem|hotspot|access point|extender|mesh', 'wifi|ruter|ruteri|ruterin|ruterit|modem|modemi'],
  range: ['room|rooms|bedroom|bedrooms|upstairs|downstairs|floor|attic|basement|garden|kitchen|living room|every room|whole house|range|reach|dead spot|other rooms|far from', 'dhome|dhoma|dhomat|kat|katin|oborr|kuzhine|sallon'],
  password: ['password|passwords|passcode|pass word|login details|credentials', 'fjalekalim|fjalekalimi|fjalekalimin|kodi i hyrjes'],
  login: ['log in|login|log into|logging in|sign in|signin|log on|logon|access my account|get into my account|locked out', 'hyj|hyrje|hyrja|kycem|kycu|identifikohem'],
  forgot: ['forgot|forgotten|forget|cant remember|not remember|lost my password', 'harruar|harrova|harroj|nuk e mbaj mend'],
  reset: ['reset|recover|recovery|restore|new password', 'rivendos|rivendosje|rikthej'],
  account: ['account|accounts|profile|my vala|customer account|username|user name', 'llogari|llogaria|llogarine|llogarise|profil'],
  sim: ['sim|sims|sim card|sim cards|simcard|micro sim|nano sim|chip', 'karta sim|karten sim|kartela|kartele|sim|simi|kartela sim|sim karta|sim kartela|karta e sim|kartes sim'],
  esim: ['esim|e sim|esims|embedded sim|digital sim|virtual sim|electronic sim', 'esim|karte elektronike'],
  pin: ['pin|pin code|pin number', 'pin|kodi pin'],
  puk: ['puk|puk code|puk number|puk1|puk2|unlock code|personal unblocking key', 'puk|kodi puk|kodin puk'],
  block: ['block|blocks|blocked|blocking|lock|locked|locks|bar|barred|disable|suspend|suspended|restrict|restricted|restriction|restrictions|freeze my', 'bllokoj|bllokuar|bllokim|bllokimi|bllokohet|blloko|kyc|kycur'],
  stolen: ['stolen|stole|steal|theft|thief|robbed|pickpocketed|nicked|swiped|snatched|mugged|lost|lose|losing|misplaced|cant find my phone|left my phone', 'vjedhur|vodhen|vjedhje|humbur|humba|humbi|humbje'],
  abroad: ['roaming|roam|abroad|overseas|travel|travelling|traveling|travels|trip|holiday|holidays|vacation|foreign country|another country|other country|outside the country|left the country|leave the country|out of the country|internationally', 'roaming|roamingu|roamingun|jashte vendit|jashte shtetit|jashte|udhetim|udhetoj|pushime|shtet tjeter|vend tjeter'],
  country: ['country|countries|europe|eu|european union|italy|germany|greece|turkey|france|spain|switzerland|austria|uk|england|britain|usa|america|canada|kosovo|serbia|montenegro|macedonia|north macedonia|croatia|balkans|western balkans|australia|china', 'shtet|shteti|vend|vendi|evrope|evropa|itali|italia|gjermani|gjermania|greqi|greqia|turqi|turqia|france|franca|spanje|zvicer|zvicra|austri|angli|anglia|amerike|amerika|kosove|kosova|serbi|mal i zi|maqedoni|kroaci|ballkan'],
  call: ['call|calls|calling|called|ring|ringing|dial|dialling|dialing|phone call|phone calls|phone someone', 'thirrje|thirrjet|thirr|telefonoj|telefonate|telefonata|bisede'],
  international: ['international|internationally|intl|overseas call|foreign number|foreign numbers|country code', 'nderkombetare|nderkombetar|jashte shtetit'],
  minutes: ['minutes|minute|mins|talk time|talktime', 'minuta|minutat|minute'],
  sms: ['sms|text|texts|texting|texted|text message|text messages|message|messages|msg', 'sms|mesazh|mesazhe|mesazhi|mesazhet'],
  topup: ['top up|topup|top ups|topping up|recharge|recharging|reload|credit|airtime|add credit|put credit|load credit|buy credit', 'mbush|mbushje|mbushur|mbushja|mbushni|kredi|kredia|kredine|kredise|rimbush|rimbushje'],
  voucher: ['voucher|vouchers|coupon|coupons|scratch card|recharge card|code from a card', 'kupon|kuponi|kuponin|kupona|karte rimbushje'],
  prepaid: ['prepaid|pre paid|pay as you go|payg|no contract sim|vala go', 'parapagim|parapagese|parapaguar|me parapagese'],
  remaining: ['left|remaining|remain|remains|balance|leftover|still have|used up|use up|run out|running out|ran out', 'mbetur|mbeten|gjendje|gjendja|gjendjen|mbaroi|mbaron|harxhuar'],
  usage: ['usage|used|consumption|consumed|how much i used|spent', 'konsum|konsumi|perdorim|perdorur|shpenzim'],
  valid: ['valid|validity|expire|expires|expiry|expiration', 'vlefshme|vlen|skadon|skadim|afati i vlefshmerise'],
  contract: ['contract|contracts|agreement|commitment|minimum term|tie in|lock in', 'kontrate|kontrata|kontraten|kontrates|marreveshje'],
  cancel: ['cancel|cancels|cancelled|canceling|cancelling|cancellation|terminate|termination|terminating|end my|quit|leave vala|close my account|disconnect my|stop my service|get out of', 'anuloj|anulim|anulimi|anuloni|nderpres|nderpresh|nderpreni|shkeput|shkeputje|mbyll llogarine|largohem'],
  notice: ['notice|notice period|advance notice|warning period', 'njoftim|njoftimi|njoftimin|paralajmerim'],
  shop: ['shop|shops|store|stores|branch|branches|outlet|outlets|showroom|retail|mall|shopping centre|shopping center|shopping mall', 'dyqan|dyqani|dyqanin|dyqanet|dyqane|pike shitjeje|qender tregtare|qendra tregtare'],
  open: ['open|opens|opening|opened|close|closes|closing|closed|opening hours|opening times|business hours|working hours|hours|timetable|schedule', 'orar|orari|orarin|hapur|hapet|hapen|mbyll|mbyllet|mbyllur|mbyllen|ore|ora|oren'],
  weekday: ['monday|tuesday|wednesday|thursday|friday|saturday|sunday|saturdays|sundays|weekend|weekends|public holiday|bank holiday|holiday hours', 'hene|marte|merkure|enjte|premte|shtune|shtunen|diel|dielen|fundjave|feste|festa|festave'],
  near: ['nearest|nearby|near|closest|close to me|near me|around here|around me|location|locations|find a shop|shop finder', 'afert|afer|prane|me i afert|afer meje'],
  human: ['human|humans|person|agent|agents|operator|operators|representative|rep|real person|real human|actual person|live person|live agent|live chat agent|consultant|advisor|adviser|someone real|not a robot|not a bot|not a machine|customer service agent', 'operator|operatori|operatorin|njeri|person|personi|agjent|agjenti|agjentin|stafi|stafin|punonjes|punonjesi|konsulent|zyrtar'],
  talk: ['talk|talking|speak|speaking|chat with|connect me|put me through|transfer me|get through', 'flas|fol|flasim|foli|lidhni|lidh|lidhe|bisedoj'],
  order: ['order|orders|ordered|my purchase|purchase order', 'porosi|porosia|porosine|porosise|porosite|porosita'],
  delivery: ['delivery|deliveries|deliver|delivered|shipping|ship|shipped|shipment|courier|parcel|package delivery|track|tracking|arrive|arrived|arrival|dispatched|dispatch|postman|hasnt come|has not come|not arrived|not come', 'dergese|dergesa|dergesen|dorezim|pako|pakoja|korier|korrier|arrin|mberrin|mberriti|ka ardhur'],
  return: ['return|returns|returning|returned|send back|send it back|send them back|bring back|take back|give back|dont like|not like|do not want it|changed my mind|change my mind|unwanted|exchange it', 'kthej|kthim|kthimi|kthen|ta kthej|nuk me pelqen|ndryshova mendje'],
  refund: ['refund|refunds|refunded|money back|reimburse|reimbursement|reimbursed', 'rimbursim|rimbursoj|parate mbrapsht|kthim parash'],
  warranty: ['warranty|warranties|guarantee|guaranteed|covered|cover it|insurance|insured|insure|device care|protection plan', 'garanci|garancia|garancine|garancise|sigurim|sigurimi'],
  damage: ['damage|damaged|cracked|crack|cracks|smashed|shattered|dropped it|water damage|bent|scratched', 'demtuar|demtim|thyer|theu|plasaritur|krisur'],
  screen: ['screen|screens|display', 'ekran|ekrani|ekranin'],
  coverage: ['coverage|signal|signals|reception|network coverage|bars|5g|4g|lte|3g|mast|antenna|no bars|dead zone', 'mbulim|mbulimi|mbulimin|sinjal|sinjali|sinjalin|rrjet|rrjeti|rrjetin|5g|4g'],
  area: ['area|areas|village|villages|town|city|region|neighborhood|neighbourhood|street|zone|countryside|rural|where i live|my address', 'zone|zona|zonen|fshat|fshati|qytet|qyteti|lagje|lagjen|rajon|rruge'],
  tv: ['tv|tvs|television|telly|iptv|vala tv|tv service', 'tv|televizor|televizori|televizion|televizioni'],
  channel: ['channel|channels|station|stations', 'kanal|kanale|kanalet|kanali'],
  tvbox: ['set top box|settop box|set top|tv box|decoder|receiver|box|remote|remote control|controller', 'dekoder|dekoderi|dekoderin|kutia|telekomande|telekomanda'],
  tvfault: ['freeze|freezes|freezing|frozen|stuck|black screen|blank screen|no picture|pixelated|picture|image|hdmi|error code|error message|error', 'ngrin|ngrire|ekran i zi|figure|foto'],
  sport: ['sport|sports|football|soccer|basketball|tennis|formula 1|live matches', 'sport|sportive|sporti|futboll|ndeshje'],
  film: ['film|films|movie|movies|cinema|series|shows|box sets', 'film|filma|filmat|seriale'],
  child: ['kid|kids|child|children|son|daughter|teen|teens|teenager|teenagers|minor|minors|baby|youngster', 'femije|femijet|femijeve|djali|vajza|i vogel'],
  parental: ['parental|parental control|parental controls|adult content|adult channels|adult sites|safe browsing|safesearch|content filter|filter|filtering|screen time|time limit|time limits|bedtime|harmful sites|inappropriate', 'kontroll prindeor|prinder|prindeor|permbajtje per te rritur|filtr'],
  website: ['website|websites|site|sites|web pages|apps|youtube|tiktok|instagram|snapchat|games|gaming|social media|porn', 'faqe interneti|faqet|aplikacione|lojera'],
  family: ['family|wife|husband|partner|spouse|mother|father|mum|mom|dad|parents|brother|sister|grandmother|grandfather|relative|household', 'familje|familja|gruaja|burri|nena|babai|vellai|motra|prinderit'],
  line: ['line|lines|extra line|additional line|second line|another line|new line|new number|extra sim|second sim|another sim', 'linje|linja|linjen|linjat|numer i ri'],
  extra: ['extra|additional|add|adding|added|more|another|bigger allowance|boost', 'shtese|shtes|shto|me shume|shtoj|shtim'],
  addon: ['add on|addon|addons|add ons|bolt on|booster|bundle|bundles|pack|packs|data pack|data bundle', 'paket shtese|paketa shtese|ofert shtese'],
  promo: ['deal|deals|offer|offers|promotion|promotions|promo|promos|discount|discounts|discounted|special offer|specials|sale|bargain|black friday|free months|welcome offer', 'oferte|oferta|ofertat|ofertave|promocion|promocioni|zbritje|zbritja|akcion|ulje'],
  newcustomer: ['new customer|new customers|first time customer|joining|join|sign up|signing up|become a customer|switch to vala|come to vala|move to vala|new client', 'klient i ri|klientet e rinj|klientë të rinj|bashkohem|regjistrohem'],
  month: ['month|months|monthly|per month|a month|each month|every month|mth', 'muaj|muaji|muajin|muajit|mujor|mujore|cdo muaj|ne muaj'],
  installments: ['installment|installments|instalment|instalments|pay monthly|monthly payments|pay in parts|finance|financing|pay over time|interest free|0% interest|spread the cost|buy now pay later', 'keste|kesti|kestet|me keste|pagese me keste'],
  buy: ['buy|buying|bought|purchase|purchased|purchasing|get a new phone|acquire|shop for', 'blej|bleva|blerje|blerja|blini|me shisni'],
  ebill: ['e bill|ebill|e bills|ebills|paperless|electronic bill|electronic invoice|email bill|bill by email|pdf bill|online bill|digital bill|e invoice|einvoice', 'fature elektronike|faturen elektronike|fature me email|pa leter'],
  email: ['email|e mail|mail|inbox|emailed', 'email|emaili|emailin|poste elektronike'],
  paper: ['paper|printed|print|by post|post', 'leter|letre|ne leter|printuar'],
  autopay: ['direct debit|automatic payment|automatic payments|autopay|auto pay|automatically|standing order|recurring payment|auto debit', 'pagese automatike|pagesen automatike|debitim direkt|automatikisht'],
  method: ['method|methods|payment options|ways to pay|way to pay|options to pay', 'menyre|menyra|menyrat|menyren|menyrave|opsion|opsione'],
  accept: ['accept|accepted|accepts|take card|take cards', 'pranoni|pranon|pranohet|pranojne|pranohen'],
  cash: ['cash|coins|banknotes|in person', 'para ne dore|kesh|para cash|cash'],
  bankcard: ['card|credit card|debit card|bank card|visa|mastercard|apple pay|google pay|paypal', 'karte|karta|karten|karte bankare|karte krediti'],
  banktransfer: ['bank transfer|wire transfer|transfer from my bank|iban|online banking', 'transferte bankare|transferim bankar|bank'],
  move: ['move|moving|moved|relocate|relocating|relocation|movers|new address|new home|change address|change of address|changing address', 'leviz|levizim|zhvendos|zhvendosem|zhvendosje|shperngul|shpengulem|adrese e re|shtepi e re|ndryshoj adresen'],
  house: ['house|apartment|apartments|flat|home address|property|residence', 'shtepi|shtepia|banese|apartament|apartamenti'],
  port: ['port|porting|ported|portability|keep my number|keep my old number|keep the same number|keep number|transfer my number|move my number|bring my number|number transfer', 'bart|bartje|bartja|mbaj numrin|ta mbaj numrin|transferoj numrin'],
  otherprovider: ['another operator|other operator|another network|other network|another provider|other provider|previous provider|old provider|current provider|different provider|old operator|another company|competitor|other company|from my current', 'operator tjeter|operatori tjeter|kompani tjeter|operatori i meparshem'],
  install: ['install|installation|installations|installed|installing|setup visit|hook up|connect my home', 'instalim|instalimi|instaloj|instaluar|instalojne|vendosje'],
  appointment: ['appointment|appointments|booking|booked|book|slot|visit|visits|time slot', 'takim|takimi|terminin|termin|vizite|vizita'],
  reschedule: ['reschedule|rescheduling|rebook|postpone|change the date|different day|another day|another time|move my appointment|move the appointment|move my installation appointment|move the installation|move the visit|change my appointment|change the appointment|change the installation date|cant make it|not be home', 'ndryshoj daten|shtyj|shtyje|dite tjeter'],
  complaint: ['complaint|complaints|complain|complaining|grievance|formal complaint|dissatisfied|unhappy|not happy|not satisfied|escalate|ombudsman|regulator', 'ankese|ankesa|ankesen|ankesat|ankohem|ankoj|ankim|ankuar|pakenaqur|i pakenaqur'],
  privacy: ['privacy|gdpr|personal data|personal information|my information|my info|my details|personal details|data protection|third parties|third party|copy of my data|delete my data|customer data|customers data|client data|user data|other companies|data sharing', 'privatesi|privatesia|te dhenat personale|te dhena personale|informacion personal|palet e treta'],
  marketing: ['marketing|advertisers|advertiser|advertising|advertisement|adverts|ads|promotional messages|spam|newsletter|newsletters|unsubscribe|opt out', 'marketing|reklama|reklamat|reklame|mesazhe promocionale|c regjistrohem'],
  'share+privacy': ['sell my data|share my data|sell customer data|share customer data'],
  share: ['share|shares|sharing|shared|sell|selling|sold|give away|pass on|hand over', 'shpernda|ndaj|ndani|shisni|shesin'],
  record: ['record|records|recorded|recording|recordings|taped|tape|listened to|monitored', 'regjistr|regjistrohet|regjistruar|regjistrim|incizim|incizohet'],
  scam: ['scam|scams|scammer|scammers|fraud|fraudulent|phishing|smishing|suspicious|fake|hoax|impersonating|impersonation|claiming to be|pretending to be|saying they|said they were|says he is|says she is|posing as|premium rate', 'mashtrim|mashtrime|mashtrues|mashtruese|dyshimte|i dyshimte|false|genjeshter'],
  code: ['code|codes|otp|one time code|one time password|verification code|security code|confirmation code', 'kod|kodi|kodin|kode'],
  disability: ['disability|disabilities|disabled|handicap|handicapped|blind|visually impaired|partially sighted|sight|deaf|hard of hearing|hearing impaired|wheelchair|braille|large print|sign language|accessible|accessibility|impairment|special needs|text relay', 'aftesi te kufizuara|aftesi te kufizuar|i verber|verber|shurdh|shurdher|karroce|karrige me rrota|gjuha e shenjave'],
  business: ['business|businesses|company|companies|firm|office|offices|enterprise|corporate|startup|self employed|freelancer|sole trader|bakery|cafe|salon|workshop|small business|my staff|employees|staff|workers|vat invoice|vat invoices|vat', 'biznes|biznesi|biznesin|kompani|kompania|firme|firma|zyre|zyra|punonjesit|ndermarrje'],
  contact: ['contact|contacting|reach you|get in touch|customer service|customer support|customer care|helpline|hotline|help line|support line|call centre|call center|contact centre|contact center|support team|support|number for customer service|phone number for', 'kontakt|kontaktoj|kontaktin|kujdesi ndaj klientit|sherbimi i klientit|sherbimi ndaj klientit|qendra e thirrjeve|ndihme|mbeshtetje'],
  howlong: ['how long|how many days|how much time|how quickly|how soon|how fast will|time frame|timeframe|take long|waiting time|turnaround', 'sa kohe|sa dite|sa shpejt|sa zgjat|per sa kohe'],
  dispute: ['dispute|disputed|disputing|wrong|incorrect|mistake|error on my bill|overcharged|overcharge|over charged|charged twice|double charged|twice|duplicate|not recognise|not recognize|dont recognise|dont recognize|unknown charge|not mine|never|did not use|didnt use|never used|unfair|should not be|shouldnt be|too much', 'gabim|gabuar|gabimi|kundershtoj|kontestoj|dy here|nuk e njoh|nuk e kam perdorur|shume e larte'],
  higher: ['higher|bigger|larger|more expensive|increased|increase|went up|gone up|high|way more|more than usual|more than normal|jumped', 'me e larte|me i larte|e larte|me shume se zakonisht|u rrit|rritur'],
  explain: ['explain|explanation|understand|read my|breakdown|break down|sections|items|what does it mean|what is this|meaning', 'shpjego|shpjegoni|shpjegim|kuptoj|lexoj'],
  first: ['first|initial|1st', 'pare|e para|i pari|fillestare'],
  customer: ['customer|customers|client|clients|subscriber', 'klient|klienti|klientet|klientit|abonent'],
  restart: ['restart|reboot|rebooting|power cycle|turn off and on|switch off and on|unplug|plug in', 'rinis|rinisni|rindiz|fik dhe ndiz'],
  light: ['light|lights|led|leds|blinking|flashing|red light|orange light', 'drita|drite|dritat|pulson|kuq'],
  change: ['change|changing|changed|switch|switching|upgrade|upgrading|downgrade|downgrading|swap|swapping|migrate|go from|switch from|move from|go up to|go down to|convert', 'ndryshoj|ndryshim|ndryshimi|nderroj|nderrim|kaloj|kalim|kalimi|ndryshoni'],
  work: ['work|works|working|function|functions|usable|use my phone|use my data', 'punon|funksionon|funksionoj|perdor'],
  // Question words, weak: they only break ties ("when is it due" vs "how can I pay").
  how: ['how|how can|how do', 'si'],
  when: ['when|what day|which day', 'kur'],
  where: ['where|where is|where can', 'ku'],
  someone: ['someone|somebody|anyone|anybody|a guy|a man|a woman', 'dikush|dike|ndokush|ndonje'],
  evening: ['evening|evenings|night|nights|tonight|peak hours|peak time', 'mbremje|mbremja|mbremjen|nate|nata|naten'],
  morning: ['morning|this morning|since morning|mornings', 'mengjes|mengjesi|mengjesin'],
  since: ['since|for hours|for days|all day|since yesterday|since last night', 'qe nga|prej|qysh'],
};

/** Speech and chat shorthand rewritten before anything else (whole words). */
export const SHORTHAND: Record<string, string> = {
  u: 'you', ur: 'your', r: 'are', pls: 'please', plz: 'please', pleas: 'please', thx: 'thanks', ty: 'thanks', wat: 'what', wot: 'what',
  whats: 'what is', wheres: 'where is', hows: 'how is', whens: 'when is', im: 'i am', ive: 'i have', cant: 'not', cannot: 'not',
  dont: 'not', doesnt: 'not', didnt: 'not', isnt: 'not', wont: 'not', aint: 'not', arent: 'not', wasnt: 'not', havent: 'not',
  hasnt: 'not', wouldnt: 'not', couldnt: 'not', shouldnt: 'not', gonna: 'going to', wanna: 'want to',
  gotta: 'have to', b4: 'before', '2day': 'today', txt: 'text', fone: 'phone', ph: 'phone', wifii: 'wifi', intrnet: 'internet',
  idk: '', tbh: '', btw: '', lol: '', omg: '',
};

/** Speech fillers and greetings: carry no meaning for matching. */
export const FILLERS = new Set(
  (
    'um umm uh uhh erm er hmm hm mm mmm ah eh oh yeah yep yup nope okay ok alright so well like basically actually literally kinda ' +
    'sort kind hi hello hey hiya sir madam mate guys dear hallo ee pra ore de hajde alo tung pershendetje mirdita ' +
    'miredita pershendes mire just really very quite way also anyway right sure maybe mean'
  ).split(/\s+/),
);

/**
 * Everyday words that say little about which answer is wanted ("day", "out",
 * "three"): they count a third of a rare word, so a question is not judged
 * out of scope for wording the knowledge base happens not to use.
 */
export const GENERIC = new Set(
  (
    'day days week weeks year years time times thing things way lot out up down off back last next few many much some small big ' +
    'large little new old one two three four five six ten first second only every each all other same still already again even ' +
    'ever yet now today tomorrow yesterday soon later run go going went gone come came make made take took put give gave see saw ' +
    'look find found use try tried say said saying ask asked think thought keep kept let help show shows tell told ' +
    'good bad best better nice fine whole half part really thing stuff guy guys people nothing anything something ' +
    'everything why because though while until also instead almost enough around through between far here there ' +
    'dite dit jave vit here gje gjera pune punen shume pak i ri e re vjeter nje dy tre kater pese gjithe cdo sot neser dje'
  ).split(/\s+/),
);

/** Concepts that count half: question words. */
export const WEAK_CONCEPTS = new Set(['HOW', 'WHEN', 'WHERE']);

